// The studio page: the routine as a plain mapping, edited by forms, checked by the server.
"use strict";
(() => {
  const F = window.StudioForms;
  const $ = id => document.getElementById(id);
  const token = document.querySelector('meta[name="studio-token"]').content;
  const withToken = url => token ? `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}` : url;
  const S = {
    routine: {exercises: []}, schema: null, lists: {}, catalog: new Map(), undo: [], redo: [],
    lastKey: null, lastTime: 0, searches: 0, source: "routine", seq: 0, problems: [], uid: 0, job: null,
  };
  // Which of an exercise's fields apply: one dose (hold, counted reps, or steps); the side worked
  // first only with two sides; the rest between sets only with sets. Others always apply.
  const DOSES = {hold: "Timed hold", reps: "Counted repetitions", steps: "Steps"};
  const APPLIES = {
    hold: ex => doseOf(ex) === "hold",
    tempo: ex => doseOf(ex) === "reps",
    steps: ex => doseOf(ex) === "steps",
    countdown: ex => doseOf(ex) !== "reps",
    first_side: ex => ["both", "alternate"].includes(valueOf(ex, "sides")),
    set_rest: ex => Number(valueOf(ex, "sets") || 1) > 1,
  };

  async function api(method, path, body) {
    const headers = {Accept: "application/json"};
    if (token) headers["X-Studio-Token"] = token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      const response = await fetch(path, {method, headers,
        body: body === undefined ? undefined : JSON.stringify(body)});
      let data = null;
      try { data = await response.json(); } catch (_) { data = null; }
      return {ok: response.ok, status: response.status, data};
    } catch (error) {
      return {ok: false, status: 0, data: null};
    }
  }

  function status(text) { $("status").textContent = text; }
  function announce(text) {
    // The same words twice in a row are still read out: clear, then set on the next frame.
    $("announce").textContent = "";
    requestAnimationFrame(() => { $("announce").textContent = text; });
  }
  function say(p) { return `${p.message}${p.fix ? ` (${p.fix})` : ""}`; }
  function clock(seconds) {
    const s = Math.round(seconds);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  // ---- the routine and its history --------------------------------------------------------
  function ui(item) {
    if (!Object.prototype.hasOwnProperty.call(item, "_ui")) {
      Object.defineProperty(item, "_ui", {value: {uid: ++S.uid, open: false}, writable: true});
    }
    return item._ui;
  }
  function snapshot() {
    return {json: JSON.stringify(S.routine), ui: (S.routine.exercises || []).map(ui)};
  }
  function restore(shot) {
    S.routine = JSON.parse(shot.json);
    (S.routine.exercises || []).forEach((item, i) => {
      if (item && typeof item === "object" && shot.ui[i]) {
        Object.defineProperty(item, "_ui", {value: shot.ui[i], writable: true});
      }
    });
  }
  /** Keep the state before a change for undo; typing in one field is one step. */
  function record(key) {
    const now = Date.now();
    if (key === null || key !== S.lastKey || now - S.lastTime > 1500) {
      S.undo.push(snapshot());
      if (S.undo.length > 200) S.undo.shift();
      S.redo = [];
    }
    S.lastKey = key;
    S.lastTime = now;
    S.source = "routine";
    updateHistoryButtons();
  }
  function step(from, to, word) {
    if (!from.length) return;
    to.push(snapshot());
    restore(from.pop());
    S.lastKey = null;
    S.source = "routine";
    renderAll();
    updateHistoryButtons();
    announce(`${word}.`);
    scheduleCheck();
  }
  function updateHistoryButtons() {
    $("undo").disabled = !S.undo.length;
    $("redo").disabled = !S.redo.length;
  }

  function exercises() {
    if (!Array.isArray(S.routine.exercises)) S.routine.exercises = [];
    return S.routine.exercises;
  }
  function setAt(path, value) {
    let target = S.routine;
    for (const part of path.slice(0, -1)) {
      if (target[part] === undefined || typeof target[part] !== "object" || target[part] === null) {
        target[part] = {};
      }
      target = target[part];
    }
    const last = path[path.length - 1];
    if (value === undefined) delete target[last]; else target[last] = value;
    // An emptied group (voice, phrases) leaves the file rather than staying as `voice: {}`.
    for (let depth = path.length - 1; depth > 0; depth--) {
      const parent = path.slice(0, depth).reduce((o, p) => o[p], S.routine);
      if (parent && typeof parent === "object" && !Array.isArray(parent) &&
          Object.keys(parent).length === 0 && typeof path[depth - 1] === "string") {
        const holder = path.slice(0, depth - 1).reduce((o, p) => o[p], S.routine);
        if (!Array.isArray(holder)) delete holder[path[depth - 1]];
      } else break;
    }
  }

  // ---- the exercise list ------------------------------------------------------------------
  function kindOf(item) {
    if (!item || typeof item !== "object") return "exercise";
    if ("name" in item || "use" in item) return "exercise";
    if ("rest" in item) return "rest";
    if ("say" in item) return "say";
    return "exercise";
  }
  function shapeOf(item) {
    const shapes = S.schema.properties.exercises.items.anyOf;
    const kind = kindOf(item);
    return shapes.find(s => kind === "exercise" ? "name" in s.properties :
      kind === "rest" ? (s.required || []).includes("rest") :
      !(s.required || []).includes("rest") && !("name" in s.properties)) || shapes[0];
  }
  function entryOf(item) { return item && S.catalog.get(item.use); }
  function valueOf(item, key) {
    if (item[key] !== undefined) return item[key];
    const entry = entryOf(item);
    const fromEntry = entry && (entry.dose || {})[key];
    if (fromEntry !== undefined) return fromEntry;
    return (S.routine.defaults || {})[key];
  }
  function doseOf(item) {
    if (item._ui && item._ui.dose) return item._ui.dose;
    for (const source of [item, (entryOf(item) || {}).dose || {}, S.routine.defaults || {}]) {
      if ("steps" in source) return "steps";
      if ("tempo" in source) return "reps";
      if ("hold" in source) return "hold";
    }
    return "hold";
  }
  function titleOf(item, index) {
    const kind = kindOf(item);
    if (kind === "rest") return `Rest ${F.shown(item.rest)}`;
    if (kind === "say") return `Announcement: ${F.shown(item.say) || "(empty)"}`;
    const entry = entryOf(item);
    return F.shown(item.name) || (entry ? entry.name : "") || `Exercise ${index + 1}`;
  }

  function context(index) {
    return {
      lists: S.lists,
      set: (path, value, structural) => change([ "exercises", index, ...path.slice(2)], value, structural),
      inherited: path => {
        if (path.length !== 3) return undefined;
        const item = exercises()[index];
        const entry = entryOf(item);
        if (path[2] === "name" && entry) return entry.name;
        const inherited = entry && (entry.dose || {})[path[2]];
        return inherited !== undefined ? inherited : (S.routine.defaults || {})[path[2]];
      },
      applies: (path, value) => path.length !== 3 || !APPLIES[path[2]] || APPLIES[path[2]](value),
    };
  }

  /** A small button: `face` is what the eye sees, `words` its full name for a screen reader. */
  function button(face, words, action, handler) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "small-button";
    b.dataset.action = action;
    const seen = document.createElement("span");
    seen.setAttribute("aria-hidden", "true");
    seen.textContent = face;
    const heard = document.createElement("span");
    heard.className = "visually-hidden";
    heard.textContent = words;
    b.append(seen, heard);
    b.addEventListener("click", handler);
    return b;
  }

  function itemElement(item, index, count) {
    const meta = ui(item);
    const li = document.createElement("li");
    li.className = "item";
    li.dataset.uid = meta.uid;
    li.dataset.field = `exercises[${index}]`;
    li.dataset.kind = kindOf(item);
    const head = document.createElement("div");
    head.className = "item-head";
    const handle = document.createElement("span");
    handle.className = "handle";
    handle.setAttribute("aria-hidden", "true");
    handle.title = "Drag to move";
    handle.textContent = "⠿";
    const h3 = document.createElement("h3");
    h3.id = `item-${meta.uid}-title`;
    const name = titleOf(item, index);
    h3.textContent = `${index + 1}. ${name}`;
    const tools = document.createElement("div");
    tools.className = "item-tools";
    const edit = button(meta.open ? "Close" : "Edit", `${meta.open ? "Close" : "Edit"} ${name}`, "edit",
      () => {
        meta.open = !meta.open;
        rerenderItem(index, "edit");
      });
    edit.setAttribute("aria-expanded", String(meta.open));
    if (meta.open) edit.setAttribute("aria-controls", `item-${meta.uid}-form`);
    tools.append(edit);
    if (kindOf(item) === "exercise") {
      tools.append(button("▶ Play", `Play ${name}`, "play", () => preview(index)));
    }
    const up = button("↑", `Move ${name} up`, "up", () => move(index, index - 1));
    const down = button("↓", `Move ${name} down`, "down", () => move(index, index + 1));
    up.disabled = index === 0;
    down.disabled = index === count - 1;
    tools.append(up, down,
      button("Copy", `Duplicate ${name}`, "duplicate", () => duplicate(index)),
      button("✕", `Delete ${name}`, "delete", () => remove(index)));
    head.append(handle, h3, tools);
    const problem = document.createElement("p");
    problem.className = "problem";
    problem.id = `item-${meta.uid}-problem`;
    li.setAttribute("aria-labelledby", h3.id);
    li.append(head, problem);
    if (meta.open) {
      const ctx = context(index);
      const body = F.form(ctx, ["exercises", index], shapeOf(item), item);
      body.id = `item-${meta.uid}-form`;
      if (kindOf(item) === "exercise") body.insertBefore(doseField(item, index), doseAnchor(body));
      li.append(body);
    }
    return li;
  }
  function doseAnchor(body) {
    return [...body.children].find(el => /\.(hold|tempo|steps|reps)$/.test(el.dataset.field || ""))
      || null;
  }
  function doseField(item, index) {
    const wrap = document.createElement("div");
    wrap.className = "field";
    const id = `dose-${ui(item).uid}`;
    const title = document.createElement("label");
    title.htmlFor = id;
    title.textContent = "Dose";
    const select = document.createElement("select");
    select.id = id;
    select.dataset.control = `exercises[${index}].dose`;
    for (const [value, words] of Object.entries(DOSES)) select.append(new Option(words, value));
    select.value = doseOf(item);
    select.addEventListener("change", () => {
      record(null);
      ui(item).dose = select.value;
      // One dose at a time: the fields of the others leave the exercise.
      for (const key of ["hold", "tempo", "steps"]) {
        if (!APPLIES[key]({_ui: {dose: select.value}})) delete item[key];
      }
      rerenderItem(index, select.dataset.control);
      scheduleCheck();
    });
    wrap.append(title, select);
    return wrap;
  }

  function renderList(focus) {
    const list = $("exercise-list");
    const items = exercises();
    list.replaceChildren(...items.map((item, i) => itemElement(item, i, items.length)));
    if (focus) refocus(focus);
    showProblems();
  }
  function rerenderItem(index, control) {
    const old = $("exercise-list").children[index];
    const item = exercises()[index];
    if (!old || !item) return renderList();
    old.replaceWith(itemElement(item, index, exercises().length));
    refocus({uid: ui(item).uid, control});
    showProblems();
  }
  /** Put the focus back where it was after a part of the page was drawn again. */
  function refocus({uid, control}) {
    const li = document.querySelector(`#exercise-list [data-uid="${uid}"]`);
    if (!li) return;
    // A field's name holds the exercise's place, which a move changes: ask for the new one.
    const own = control && `${li.dataset.field}${control.replace(/^exercises\[\d+\]/, "")}`;
    const target = li.querySelector(`[data-action="${control}"]:not(:disabled)`) ||
      (own && li.querySelector(`[data-control="${CSS.escape(own)}"]`));
    (target || li.querySelector("[data-action=edit]")).focus();
  }

  /** Move an item; the focus stays on `control` (a button's action or a field's name) in it. */
  function move(from, to, control) {
    const items = exercises();
    if (to < 0 || to >= items.length || from === to) return;
    record(null);
    const [item] = items.splice(from, 1);
    items.splice(to, 0, item);
    renderList({uid: ui(item).uid, control: control || (to < from ? "up" : "down")});
    announce(`${titleOf(item, to)} moved to position ${to + 1} of ${items.length}.`);
    scheduleCheck();
  }
  function duplicate(index) {
    record(null);
    const copy = JSON.parse(JSON.stringify(exercises()[index]));
    exercises().splice(index + 1, 0, copy);
    renderList({uid: ui(copy).uid, control: "edit"});
    announce(`${titleOf(copy, index + 1)} duplicated as number ${index + 2}.`);
    scheduleCheck();
  }
  function remove(index) {
    record(null);
    const [item] = exercises().splice(index, 1);
    const next = exercises()[Math.min(index, exercises().length - 1)];
    renderList(next ? {uid: ui(next).uid, control: "delete"} : null);
    if (!next) $("add-own").focus();
    announce(`${titleOf(item, index)} deleted. Undo brings it back.`);
    scheduleCheck();
  }
  /** Add an item at the end; one made here opens with the focus in it, while one from the
   *  catalog leaves the focus in the catalog, to add the next. */
  function add(item, open) {
    record(null);
    exercises().push(item);
    ui(item).open = open;
    renderList();
    const li = document.querySelector(`#exercise-list [data-uid="${ui(item).uid}"]`);
    if (open) li.querySelector("input, textarea, select").focus();
    announce(`${titleOf(item, exercises().length - 1)} added as number ${exercises().length}.`);
    scheduleCheck();
  }
  function change(path, value, structural) {
    record(F.pathText(path));
    setAt(path, value);
    if (path[0] === "exercises" && typeof path[1] === "number") {
      const item = exercises()[path[1]];
      const h3 = document.querySelector(`#exercise-list [data-uid="${ui(item).uid}"] h3`);
      if (h3) h3.textContent = `${path[1] + 1}. ${titleOf(item, path[1])}`;
      if (structural || ["sides", "sets", "use"].includes(path[2])) {
        rerenderItem(path[1], F.pathText(path));
      }
    } else if (structural) {
      renderRoutine(F.pathText(path));
    }
    scheduleCheck();
  }

  // ---- the routine's own fields -----------------------------------------------------------
  function renderRoutine(focus) {
    const schema = {properties: Object.fromEntries(Object.entries(S.schema.properties)
      .filter(([key]) => key !== "exercises"))};
    const ctx = {lists: S.lists, set: change, inherited: () => undefined};
    const form = F.form(ctx, [], schema, S.routine);
    $("routine-form").replaceChildren(...form.children);
    if (focus) {
      const target = document.querySelector(`#routine-form [data-control="${CSS.escape(focus)}"]`);
      if (target) target.focus();
    }
    showProblems();
  }
  function renderAll() {
    const active = document.activeElement;
    const li = active && active.closest && active.closest("#exercise-list [data-uid]");
    const focus = li ? {uid: li.dataset.uid, control: active.dataset.action || active.dataset.control} : null;
    renderRoutine(active && !li && active.dataset ? active.dataset.control : null);
    renderList(focus);
  }

  // ---- checking: problems at their fields, the plan, the YAML -----------------------------
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
    const r = await api("POST", "/api/check", body);
    if (seq !== S.seq) return;  // a later check is on its way
    if (!r.data) {
      status(`The studio did not answer (${r.status || "no connection"}).`);
      $("studio").setAttribute("aria-busy", "false");
      return;
    }
    S.problems = r.data.problems || [];
    if (S.source === "yaml") {
      if (r.data.routine && typeof r.data.routine === "object" && !Array.isArray(r.data.routine)) {
        const before = JSON.stringify(S.routine);
        if (before !== JSON.stringify(r.data.routine)) {
          S.routine = r.data.routine;
          renderRoutine();
          renderList();
        }
      }
    } else if (document.activeElement !== $("yaml") && typeof r.data.yaml === "string") {
      $("yaml").value = r.data.yaml;
    }
    showProblems();
    showPlan(r.data.plan);
    if (!S.pending) $("studio").setAttribute("aria-busy", "false");
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
      const words = say(p);
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
    $("plan-note").textContent = plan ? "" : "The plan follows once the problems are fixed.";
    if (!plan) {
      estimated($("plan-total"), "–", false);
      body.replaceChildren();
      warnings.replaceChildren();
      return;
    }
    estimated($("plan-total"), clock(plan.total_s), plan.estimated);
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
      start.textContent = clock(ex.start_s);
      start.dataset.seconds = ex.start_s;
      estimated(length, clock(ex.length_s), ex.estimated);
      length.dataset.seconds = ex.length_s;
      row.append(name, start, length);
      return row;
    }));
    warnings.replaceChildren(...(plan.warnings || []).map(w => {
      const li = document.createElement("li");
      li.textContent = typeof w === "string" ? w : say(w);
      return li;
    }));
  }

  // ---- catalog ----------------------------------------------------------------------------
  async function searchCatalog() {
    const params = new URLSearchParams();
    for (const [key, id] of [["q", "catalog-q"], ["position", "catalog-position"], ["equipment", "catalog-equipment"]]) {
      if ($(id).value) params.set(key, $(id).value);
    }
    const seq = ++S.searches;
    const r = await api("GET", `/api/catalog?${params}`);
    if (!r.ok || !r.data || seq !== S.searches) return;  // a later search answers instead
    const entries = r.data.entries || [];
    $("catalog-count").textContent = entries.length === 1 ? "1 exercise found." : `${entries.length} exercises found.`;
    $("catalog-results").replaceChildren(...entries.map(entry => {
      const li = document.createElement("li");
      const text = document.createElement("div");
      const name = document.createElement("p");
      name.innerHTML = "<strong></strong>";
      name.firstChild.textContent = entry.name;
      const about = document.createElement("p");
      about.className = "small";
      about.textContent = [entry.position, (entry.equipment || []).join(", ") || "no equipment",
        (entry.helps_with || []).slice(0, 3).join(", ")].filter(Boolean).join(" · ");
      text.append(name, about);
      const plus = button("Add", `Add ${entry.name}`, "add", () =>
        add(JSON.parse(JSON.stringify(entry.exercise || {use: entry.id})), false));
      plus.dataset.id = entry.id;
      li.append(text, plus);
      return li;
    }));
  }
  async function loadCatalog() {
    const r = await api("GET", "/api/catalog");
    if (!r.ok || !r.data) return;
    for (const entry of r.data.entries || []) S.catalog.set(entry.id, entry);
    for (const [id, values] of [["catalog-position", r.data.positions], ["catalog-equipment", r.data.equipment]]) {
      for (const value of values || []) $(id).append(new Option(value, value));
    }
    searchCatalog();
    renderList();
  }

  // ---- preview, save, build, share --------------------------------------------------------
  function sent() { return S.source === "yaml" ? {yaml: $("yaml").value} : {routine: S.routine}; }
  async function preview(index) {
    const name = titleOf(exercises()[index], index);
    status(`Preparing ${name}…`);
    // The server counts exercises only, as the track's chapters do: rests and announcements not.
    const number = exercises().slice(0, index).filter(item => kindOf(item) === "exercise").length;
    const r = await api("POST", "/api/preview", {routine: S.routine, index: number});
    if (!r.ok || !r.data || !r.data.url) return failed(`${name} cannot be played`, r);
    const audio = $("preview");
    $("preview-box").hidden = false;
    $("preview-label").textContent = `${name}, ${clock(r.data.length_s)}`;
    audio.src = withToken(r.data.url);
    status(`Playing ${name}.`);
    audio.play().catch(() => {});
  }
  function failed(what, r) {
    const problems = (r.data && r.data.problems) || [];
    status(`${what}: ${problems.length ? problems.map(say).join(" ") : `the studio answered ${r.status || "nothing"}`}`);
  }
  async function save() {
    status("Saving…");
    const r = await api("POST", "/api/save", sent());
    if (!r.data || !r.data.saved) return failed("Not saved", r);
    S.source = "routine";
    if (typeof r.data.yaml === "string" && document.activeElement !== $("yaml")) $("yaml").value = r.data.yaml;
    const count = (r.data.problems || []).length;
    status(`Saved ${r.data.saved}${count ? `, with ${count === 1 ? "1 problem" : `${count} problems`} still to fix` : ""}.`);
  }
  async function build() {
    status("Building…");
    const r = await api("POST", "/api/build", {routine: S.routine, format: "mp3"});
    if (!r.ok || !r.data || !r.data.job) return failed("Not built", r);
    S.job = r.data.job;
    $("build-box").hidden = false;
    $("build-progress").value = 0;
    $("build-stage").textContent = "Building…";
  }
  async function share() {
    status("Writing the share folder…");
    const r = await api("POST", "/api/share", {routine: S.routine, folder: "shared"});
    if (!r.ok || !r.data || !r.data.address) return failed("Not shared", r);
    $("share-box").hidden = false;
    $("share-folder").textContent = r.data.folder;
    $("share-address").textContent = r.data.address;
    $("share-address").href = r.data.address;
    // The QR code is SVG made for inlining, without the namespace a picture file needs.
    let svg = r.data.qr_svg || "";
    if (!svg.includes("xmlns=")) svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"');
    $("share-qr").src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    $("share-qr").alt = `QR code of ${r.data.address}`;
    status(`Shared in ${r.data.folder}: ${r.data.address}`);
  }
  function listen() {
    const events = new EventSource(withToken("/api/events"));
    const data = e => { try { return JSON.parse(e.data); } catch (_) { return {}; } };
    events.addEventListener("clips", e => {
      const {done, total} = data(e);
      $("clips").textContent = done < total ? `Synthesizing the voice: ${done} of ${total} clips; lengths marked ≈ are estimates.` : "";
      if (done >= total) scheduleCheck();
    });
    events.addEventListener("build", e => {
      const d = data(e);
      if (d.job !== S.job) return;
      $("build-progress").value = d.total ? d.done / d.total : 0;
      $("build-stage").textContent = `Building: ${d.stage || ""} ${d.done} of ${d.total}`;
    });
    events.addEventListener("built", e => {
      const d = data(e);
      if (d.job !== S.job) return;
      $("build-progress").value = 1;
      $("build-box").hidden = true;
      $("player-box").hidden = false;
      $("player").src = withToken(d.url);
      $("player-link").href = withToken(d.url);
      $("player-link").textContent = decodeURIComponent(d.url.split("/").pop());
      status(`Built ${$("player-link").textContent}.`);
    });
    events.addEventListener("failed", e => {
      const d = data(e);
      if (d.job !== S.job) return;
      $("build-box").hidden = true;
      failed("The build failed", {data: d, status: 0});
    });
  }

  // ---- start ------------------------------------------------------------------------------
  function theme(dark) {
    document.documentElement.dataset.theme = dark ? "dark" : "light";
    $("theme").setAttribute("aria-pressed", String(dark));
    try { localStorage.setItem("studio-theme", dark ? "dark" : "light"); } catch (_) { /* private mode */ }
  }
  function wire() {
    for (const id of ["preview", "player"]) {
      $(id).addEventListener("error", () => status(`This browser cannot play ${$(id).currentSrc || "it"}.`));
    }
    $("undo").addEventListener("click", () => step(S.undo, S.redo, "Undone"));
    $("redo").addEventListener("click", () => step(S.redo, S.undo, "Redone"));
    $("save").addEventListener("click", save);
    $("build").addEventListener("click", build);
    $("share").addEventListener("click", share);
    $("theme").addEventListener("click", () => theme($("theme").getAttribute("aria-pressed") !== "true"));
    $("add-own").addEventListener("click", () => add({name: `My exercise ${exercises().length + 1}`, hold: "30s"}, true));
    $("add-rest").addEventListener("click", () => add({rest: "30s"}, true));
    $("add-say").addEventListener("click", () => add({say: ""}, true));
    $("yaml").addEventListener("input", () => {
      if (S.source !== "yaml") { record(null); S.source = "yaml"; }
      scheduleCheck();
    });
    let searching = null;
    $("catalog-filter").addEventListener("input", () => { clearTimeout(searching); searching = setTimeout(searchCatalog, 200); });
    $("catalog-filter").addEventListener("submit", e => { e.preventDefault(); searchCatalog(); });
    $("exercise-list").addEventListener("keydown", e => {
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      const li = e.target.closest(".item");
      if (!li) return;
      e.preventDefault();
      const index = [...$("exercise-list").children].indexOf(li);
      move(index, index + (e.key === "ArrowUp" ? -1 : 1), e.target.dataset.action || e.target.dataset.control);
    });
    document.addEventListener("keydown", e => {
      if (!(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === "s") { e.preventDefault(); save(); return; }
      if (e.target === $("yaml")) return;  // the text view keeps the browser's own undo
      if (key === "z" && !e.shiftKey) { e.preventDefault(); step(S.undo, S.redo, "Undone"); }
      if ((key === "z" && e.shiftKey) || key === "y") { e.preventDefault(); step(S.redo, S.undo, "Redone"); }
    });
    if (window.Sortable) {
      window.Sortable.create($("exercise-list"), {
        handle: ".handle", draggable: ".item", animation: 150,
        // The list is drawn again from the routine, so Sortable's own move of the element
        // needs no undoing.
        onEnd: e => move(e.oldDraggableIndex, e.newDraggableIndex),
      });
    }
  }
  async function start() {
    // The system's light or dark, unless the toggle chose one before.
    let saved = null;
    try { saved = localStorage.getItem("studio-theme"); } catch (_) { /* storage off */ }
    if (saved) theme(saved === "dark");
    else $("theme").setAttribute("aria-pressed", String(matchMedia("(prefers-color-scheme: dark)").matches));
    wire();
    const r = await api("GET", "/api/state");
    if (!r.ok || !r.data) { status(`The studio did not answer (${r.status || "no connection"}).`); return; }
    const state = r.data;
    S.schema = state.schema;
    S.routine = state.routine && typeof state.routine === "object" ? state.routine : {};
    if (!Array.isArray(S.routine.exercises)) S.routine.exercises = [];
    S.lists = {"voice.model": state.voices || [], "voice.language": state.languages || [],
      "voice.engine": state.engines || []};
    $("yaml").value = state.yaml || "";
    status(state.exists ? `Opened ${state.file}.` : `${state.file} is new: it is written when you save.`);
    renderRoutine();
    renderList();
    listen();
    await loadCatalog();
    await check();
  }
  document.addEventListener("DOMContentLoaded", start);
})();
