// The studio page's forms: the exercise list (add, copy, delete, move) and the routine's own fields.
"use strict";
(() => {
  const A = window.Studio;
  const {F, $, S, DOSES, APPLIES} = A;
  // What each of an item's buttons is called for a screen reader: its action and the item's name.
  const WORDS = {
    edit: (name, open) => `${open ? "Close" : "Edit"} ${name}`, play: name => `Play ${name}`,
    up: name => `Move ${name} up`, down: name => `Move ${name} down`,
    duplicate: name => `Duplicate ${name}`, delete: name => `Delete ${name}`,
  };
  function context(index) {
    return {
      lists: S.lists,
      set: (path, value, structural) => change([ "exercises", index, ...path.slice(2)], value, structural),
      inherited: path => {
        if (path.length !== 3) return undefined;
        const item = A.exercises()[index];
        const entry = A.entryOf(item);
        if (path[2] === "name" && entry) return entry.name;
        const inherited = A.catalogFields(item)[path[2]];
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
    const meta = A.ui(item);
    const li = document.createElement("li");
    li.className = "item";
    li.dataset.uid = meta.uid;
    li.dataset.field = `exercises[${index}]`;
    li.dataset.kind = A.kindOf(item);
    const head = document.createElement("div");
    head.className = "item-head";
    const handle = document.createElement("span");
    handle.className = "handle";
    handle.setAttribute("aria-hidden", "true");
    handle.title = "Drag to move";
    handle.textContent = "⠿";
    const h3 = document.createElement("h3");
    h3.id = `item-${meta.uid}-title`;
    const name = A.titleOf(item, index);
    h3.textContent = `${index + 1}. ${name}`;
    const tools = document.createElement("div");
    tools.className = "item-tools";
    const edit = button(meta.open ? "Close" : "Edit", WORDS.edit(name, meta.open), "edit",
      () => {
        meta.open = !meta.open;
        rerenderItem(index, "edit");
      });
    edit.setAttribute("aria-expanded", String(meta.open));
    if (meta.open) edit.setAttribute("aria-controls", `item-${meta.uid}-form`);
    tools.append(edit);
    if (A.kindOf(item) === "exercise") {
      tools.append(button("▶ Play", WORDS.play(name), "play", () => A.preview(index)));
    }
    const up = button("↑", WORDS.up(name), "up", () => move(index, index - 1));
    const down = button("↓", WORDS.down(name), "down", () => move(index, index + 1));
    up.disabled = index === 0;
    down.disabled = index === count - 1;
    tools.append(up, down,
      button("Copy", WORDS.duplicate(name), "duplicate", () => duplicate(index)),
      button("✕", WORDS.delete(name), "delete", () => remove(index)));
    const dose = document.createElement("p");
    dose.className = "small item-dose";
    dose.textContent = doseSummary(item);
    head.append(handle, h3, tools, dose);
    const problem = document.createElement("p");
    problem.className = "problem";
    problem.id = `item-${meta.uid}-problem`;
    li.setAttribute("aria-labelledby", h3.id);
    li.append(head, problem);
    if (meta.open) {
      const ctx = context(index);
      const body = F.form(ctx, ["exercises", index], A.shapeOf(item), item);
      body.id = `item-${meta.uid}-form`;
      if (A.kindOf(item) === "exercise") body.insertBefore(doseField(item, index), doseAnchor(body));
      li.append(body);
    }
    return li;
  }
  /** An exercise's dose in a few words for the closed list, as the fields (own, catalog's or
   *  the defaults') give it: "hold 30s · 3 times · both sides". */
  function doseSummary(item) {
    if (A.kindOf(item) !== "exercise") return "";
    const get = key => F.shown(A.valueOf(item, key));
    const dose = A.doseOf(item);
    const words = [];
    if (dose === "hold" && get("hold")) words.push(`hold ${get("hold")}`);
    if (dose === "reps") words.push(`${get("reps") || 1} reps, ${get("tempo") || "?"} each`);
    if (dose === "steps") words.push(`${(A.valueOf(item, "steps") || []).length} steps`);
    if (dose !== "reps" && Number(get("reps")) > 1) words.push(`${get("reps")} times`);
    if (Number(get("sets")) > 1) words.push(`${get("sets")} sets`);
    if (get("sides") && get("sides") !== "none") words.push(`sides: ${get("sides")}`);
    return words.join(" · ");
  }
  function doseAnchor(body) {
    return [...body.children].find(el => /\.(hold|tempo|steps|reps)$/.test(el.dataset.field || ""))
      || null;
  }
  function doseField(item, index) {
    const wrap = document.createElement("div");
    wrap.className = "field";
    const id = `dose-${A.ui(item).uid}`;
    const title = document.createElement("label");
    title.htmlFor = id;
    title.textContent = "Dose";
    const select = document.createElement("select");
    select.id = id;
    select.dataset.control = `exercises[${index}].dose`;
    for (const [value, words] of Object.entries(DOSES)) select.append(new Option(words, value));
    select.value = A.doseOf(item);
    select.addEventListener("change", () => {
      A.record(null);
      A.ui(item).dose = select.value;
      // One dose at a time: the fields of the others leave the exercise.
      for (const key of ["hold", "tempo", "steps"]) {
        if (!APPLIES[key]({_ui: {dose: select.value}})) delete item[key];
      }
      rerenderItem(index, select.dataset.control);
      A.scheduleCheck();
    });
    wrap.append(title, select);
    return wrap;
  }

  function renderList(focus) {
    const list = $("exercise-list");
    const items = A.exercises();
    list.replaceChildren(...items.map((item, i) => itemElement(item, i, items.length)));
    if (focus) refocus(focus);
    A.showProblems();
  }
  function rerenderItem(index, control) {
    const old = $("exercise-list").children[index];
    const item = A.exercises()[index];
    if (!old || !item) return renderList();
    old.replaceWith(itemElement(item, index, A.exercises().length));
    refocus({uid: A.ui(item).uid, control});
    A.showProblems();
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
    const items = A.exercises();
    if (to < 0 || to >= items.length || from === to) return;
    A.record(null);
    const [item] = items.splice(from, 1);
    items.splice(to, 0, item);
    renderList({uid: A.ui(item).uid, control: control || (to < from ? "up" : "down")});
    A.announce(`${A.titleOf(item, to)} moved to position ${to + 1} of ${items.length}.`);
    A.scheduleCheck();
  }
  function duplicate(index) {
    A.record(null);
    const copy = JSON.parse(JSON.stringify(A.exercises()[index]));
    A.exercises().splice(index + 1, 0, copy);
    renderList({uid: A.ui(copy).uid, control: "edit"});
    A.announce(`${A.titleOf(copy, index + 1)} duplicated as number ${index + 2}.`);
    A.scheduleCheck();
  }
  function remove(index) {
    A.record(null);
    const [item] = A.exercises().splice(index, 1);
    const next = A.exercises()[Math.min(index, A.exercises().length - 1)];
    renderList(next ? {uid: A.ui(next).uid, control: "delete"} : null);
    if (!next) $("add-own").focus();
    A.announce(`${A.titleOf(item, index)} deleted. Undo brings it back.`);
    A.scheduleCheck();
  }
  /** Add an item at the end; one made here opens with the focus in it, while one from the
   *  catalog leaves the focus in the catalog, to add the next. */
  function add(item, open) {
    A.record(null);
    if (!Array.isArray(S.routine.exercises)) S.routine.exercises = [];
    S.routine.exercises.push(item);
    A.ui(item).open = open;
    renderList();
    const li = document.querySelector(`#exercise-list [data-uid="${A.ui(item).uid}"]`);
    if (open) li.querySelector("input, textarea, select").focus();
    A.announce(`${A.titleOf(item, A.exercises().length - 1)} added as number ${A.exercises().length}.`);
    A.scheduleCheck();
  }
  function change(path, value, structural) {
    A.record(F.pathText(path));
    A.setAt(path, value);
    if (path[0] === "exercises" && typeof path[1] === "number") {
      const item = A.exercises()[path[1]];
      const h3 = document.querySelector(`#exercise-list [data-uid="${A.ui(item).uid}"] h3`);
      if (h3) {  // a new name is the buttons' new name too, without drawing the item again
        const name = A.titleOf(item, path[1]);
        h3.textContent = `${path[1] + 1}. ${name}`;
        h3.parentElement.querySelector(".item-dose").textContent = doseSummary(item);
        for (const b of h3.parentElement.querySelectorAll(".item-tools button")) {
          b.querySelector(".visually-hidden").textContent = WORDS[b.dataset.action](name, A.ui(item).open);
        }
      }
      if (structural || ["sides", "sets", "use"].includes(path[2])) {
        rerenderItem(path[1], F.pathText(path));
      }
    } else if (structural) {
      renderRoutine(F.pathText(path));
    }
    A.scheduleCheck();
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
    A.showProblems();
  }
  function renderAll() {
    const active = document.activeElement;
    const li = active && active.closest && active.closest("#exercise-list [data-uid]");
    const focus = li ? {uid: li.dataset.uid, control: active.dataset.action || active.dataset.control} : null;
    renderRoutine(active && !li && active.dataset ? active.dataset.control : null);
    renderList(focus);
  }

  Object.assign(A, {context, button, itemElement, doseAnchor, doseField, renderList, rerenderItem, refocus, move, duplicate, remove, add, change, renderRoutine, renderAll});
})();
