// The studio page's checking: problems at their fields, the plan beside them, the YAML view.
"use strict";
(() => {
  const A = window.Studio;
  const {$, S} = A;
  let timer = null;
  function scheduleCheck() {
    S.pending = true;
    $("studio").setAttribute("aria-busy", "true");
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }
  async function check() {
    S.pending = false;
    const seq = ++S.seq;
    const body = S.source === "yaml" ? {yaml: $("yaml").value} : {routine: S.routine};
    const r = await A.api("POST", "/api/check", body);
    if (seq !== S.seq) return;  // a later check is on its way
    if (!r.data) {
      A.status(`The studio did not answer (${r.status || "no connection"}).`);
      $("studio").setAttribute("aria-busy", "false");
      return;
    }
    S.problems = r.data.problems || [];
    if (S.source === "yaml") {
      const usable = !!r.data.routine && typeof r.data.routine === "object" && !Array.isArray(r.data.routine);
      formsUsable(usable);
      if (usable) {
        const before = JSON.stringify(S.routine);
        if (before !== JSON.stringify(r.data.routine)) {
          S.routine = r.data.routine;
          A.renderRoutine();
          A.renderList();
        }
      }
    } else {
      formsUsable(true);  // an undo back to a routine from the forms opens them again
      if (document.activeElement !== $("yaml") && typeof r.data.yaml === "string") {
        $("yaml").value = r.data.yaml;
      }
    }
    showProblems();
    showPlan(r.data.plan);
    if (!S.pending) $("studio").setAttribute("aria-busy", "false");
  }

  /** The forms and the catalog only while the YAML text is a routine they can show: edits made
   *  in them while it is not would replace the text with what little they hold. */
  function formsUsable(usable) {
    for (const id of ["editor", "catalog"]) $(id).inert = !usable;
    $("yaml-broken").hidden = usable;
  }
  /** A problem shows at its own field, or at the nearest enclosing one on the page. */
  function targetOf(field) {
    let path = field || "";
    while (path) {
      const found = document.querySelector(`#studio [data-field="${CSS.escape(path)}"]`);
      if (found) return found;
      const shorter = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
      if (shorter === path) break;
      path = shorter;
    }
    return null;
  }
  function showProblems() {
    for (const el of document.querySelectorAll("#studio [aria-invalid]")) {
      el.removeAttribute("aria-invalid");
      const keep = (el.getAttribute("aria-describedby") || "").split(" ").filter(id => !id.endsWith("-problem"));
      el.setAttribute("aria-describedby", keep.join(" "));
    }
    for (const el of document.querySelectorAll("#studio .problem")) el.textContent = "";
    for (const el of document.querySelectorAll("#exercise-list .invalid")) el.classList.remove("invalid");
    const list = $("problem-list");
    const yaml = $("yaml-problems");
    list.replaceChildren();
    yaml.replaceChildren();
    for (const p of S.problems) {
      const words = A.say(p);
      const target = targetOf(p.field);
      const where = p.line ? `line ${p.line}${p.col ? `, column ${p.col}` : ""}` : "";
      const entry = document.createElement("li");
      const jump = document.createElement("button");
      jump.type = "button";
      jump.textContent = `${p.field ? `${p.field}: ` : ""}${words}`;
      entry.append(jump);
      list.append(entry);
      const line = document.createElement("li");
      line.textContent = `${where ? `${where}: ` : ""}${p.field ? `${p.field}: ` : ""}${words}`;
      yaml.append(line);
      if (!target) { jump.addEventListener("click", () => $("yaml").focus()); continue; }
      for (let fold = target.closest("details"); fold; fold = fold.parentElement.closest("details")) {
        fold.open = true;  // a problem inside a folded group is not left out of sight
      }
      const item = target.closest("#exercise-list .item");
      if (item) item.classList.add("invalid");
      const message = target.querySelector(":scope > .problem, :scope > .form > .problem") || target;
      if (message.classList.contains("problem")) {
        message.textContent = message.textContent ? `${message.textContent} ${words}` : words;
      }
      const control = target.matches("[data-control]") ? target :
        target.querySelector(`:scope > [data-control], :scope > label + [data-control]`);
      if (control && message.id) {
        control.setAttribute("aria-invalid", "true");
        const ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (!ids.includes(message.id)) ids.push(message.id);
        control.setAttribute("aria-describedby", ids.join(" "));
      }
      jump.addEventListener("click", () => (control || target.querySelector("button, input, select") || $("yaml")).focus());
    }
    const count = S.problems.length;
    $("problem-count").textContent = count === 0 ? "No problems." :
      count === 1 ? "1 problem." : `${count} problems.`;
  }

  function estimated(cell, text, guess) {
    cell.replaceChildren();
    if (guess) {
      const mark = document.createElement("span");
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = "≈ ";
      const words = document.createElement("span");
      words.className = "visually-hidden";
      words.textContent = "estimated ";
      cell.append(mark, words);
    }
    cell.append(text);
    cell.dataset.estimated = String(!!guess);
  }
  function showPlan(plan) {
    const body = $("plan-table").tBodies[0];
    const warnings = $("plan-warnings");
    // While a problem stands, the last plan stays in sight, marked as from before it: a
    // duration half typed does not make the whole plan vanish and come back.
    const before = body.rows.length > 0;
    $("plan-note").textContent = plan ? "" : before ?
      "As before the latest change: the plan follows again once the problems are fixed." :
      "The plan follows once the problems are fixed.";
    $("plan").classList.toggle("stale", !plan && before);
    if (!plan) return;
    estimated($("plan-total"), A.clock(plan.total_s), plan.estimated);
    $("plan-total").dataset.seconds = plan.total_s;
    body.replaceChildren(...plan.exercises.map(ex => {
      const row = document.createElement("tr");
      const [name, start, length] = [0, 1, 2].map(() => document.createElement("td"));
      name.textContent = ex.name;
      if (ex.hold_s !== null && ex.hold_s !== undefined) {
        const hold = document.createElement("span");
        hold.className = "dose small";
        hold.textContent = `hold ${+ex.hold_s.toFixed(2)} s`;
        name.append(document.createElement("br"), hold);
      }
      start.textContent = A.clock(ex.start_s);
      start.dataset.seconds = ex.start_s;
      estimated(length, A.clock(ex.length_s), ex.estimated);
      length.dataset.seconds = ex.length_s;
      row.append(name, start, length);
      return row;
    }));
    warnings.replaceChildren(...(plan.warnings || []).map(w => {
      const li = document.createElement("li");
      li.textContent = typeof w === "string" ? w : A.say(w);
      return li;
    }));
  }

  Object.assign(A, {formsUsable, scheduleCheck, check, targetOf, showProblems, estimated, showPlan});
})();
