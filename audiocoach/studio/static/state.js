// The studio page's state: the routine as a plain mapping, its history, and what its items are.
"use strict";
(() => {
  const A = window.Studio = {};
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
  /** The page's own notes on an item (its key, open or closed), kept out of the routine. */
  function ui(item) {
    if (!item || typeof item !== "object") return {uid: ++S.uid, open: false};  // `- Plank`, `-`
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
    A.renderAll();
    updateHistoryButtons();
    announce(`${word}.`);
    A.scheduleCheck();
  }
  function updateHistoryButtons() {
    $("undo").disabled = !S.undo.length;
    $("redo").disabled = !S.redo.length;
  }

  /** The routine's items; none (and nothing changed) while `exercises` is missing or no list,
   *  so that `validate` still says so of the file. */
  function exercises() {
    return Array.isArray(S.routine.exercises) ? S.routine.exercises : [];
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

  // ---- what an item of the exercise list is -----------------------------------------------
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
  /** The fields a `use:` exercise takes from its catalog entry where it does not give them. */
  function catalogFields(item) {
    const entry = entryOf(item);
    return (entry && entry.exercise) || {};
  }
  function valueOf(item, key) {
    if (item[key] !== undefined) return item[key];
    const fromEntry = catalogFields(item)[key];
    if (fromEntry !== undefined) return fromEntry;
    return (S.routine.defaults || {})[key];
  }
  function doseOf(item) {
    if (item && item._ui && item._ui.dose) return item._ui.dose;
    for (const source of [item, catalogFields(item), S.routine.defaults]) {
      if (!source || typeof source !== "object") continue;
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

  Object.assign(A, {api, status, announce, say, clock, ui, snapshot, restore, record, step, updateHistoryButtons, exercises, setAt, kindOf, shapeOf, entryOf, catalogFields, valueOf, doseOf, titleOf, F, $, token, withToken, S, DOSES, APPLIES});
})();
