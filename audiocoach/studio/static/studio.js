// The studio page: catalog, preview, save, build, share, and wiring it all up at the start.
"use strict";
(() => {
  const A = window.Studio;
  const {$, withToken, S} = A;
  // ---- catalog ----------------------------------------------------------------------------
  async function searchCatalog() {
    const params = new URLSearchParams();
    for (const [key, id] of [["q", "catalog-q"], ["position", "catalog-position"], ["equipment", "catalog-equipment"]]) {
      if ($(id).value) params.set(key, $(id).value);
    }
    const seq = ++S.searches;
    const r = await A.api("GET", `/api/catalog?${params}`);
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
      const plus = A.button("Add", `Add ${entry.name}`, "add", () =>
        A.add(JSON.parse(JSON.stringify(entry.exercise || {use: entry.id})), false));
      plus.dataset.id = entry.id;
      li.append(text, plus);
      return li;
    }));
  }
  async function loadCatalog() {
    const r = await A.api("GET", "/api/catalog");
    if (!r.ok || !r.data) return;
    for (const entry of r.data.entries || []) S.catalog.set(entry.id, entry);
    for (const [id, values] of [["catalog-position", r.data.positions], ["catalog-equipment", r.data.equipment]]) {
      for (const value of values || []) $(id).append(new Option(value, value));
    }
    searchCatalog();
    A.renderList();
  }

  // ---- preview, save, build, share --------------------------------------------------------
  function sent() { return S.source === "yaml" ? {yaml: $("yaml").value} : {routine: S.routine}; }
  async function preview(index) {
    const name = A.titleOf(A.exercises()[index], index);
    A.status(`Preparing ${name}…`);
    // The server counts exercises only, as the track's chapters do: rests and announcements not.
    const number = A.exercises().slice(0, index).filter(item => A.kindOf(item) === "exercise").length;
    const r = await A.api("POST", "/api/preview", {routine: S.routine, index: number});
    if (!r.ok || !r.data || !r.data.url) return failed(`${name} cannot be played`, r);
    const audio = $("preview");
    $("preview-box").hidden = false;
    $("preview-label").textContent = `${name}, ${A.clock(r.data.length_s)}`;
    audio.src = withToken(r.data.url);
    A.status(`Playing ${name}.`);
    audio.play().catch(() => {});
  }
  function failed(what, r) {
    const problems = (r.data && r.data.problems) || [];
    A.status(`${what}: ${problems.length ? problems.map(say).join(" ") : `the studio answered ${r.status || "nothing"}`}`);
  }
  async function save() {
    A.status("Saving…");
    const r = await A.api("POST", "/api/save", sent());
    if (!r.data || !r.data.saved) return failed("Not saved", r);
    S.source = "routine";
    if (typeof r.data.yaml === "string" && document.activeElement !== $("yaml")) $("yaml").value = r.data.yaml;
    const count = (r.data.problems || []).length;
    A.status(`Saved ${r.data.saved}${count ? `, with ${count === 1 ? "1 problem" : `${count} problems`} still to fix` : ""}.`);
  }
  async function build() {
    A.status("Building…");
    const r = await A.api("POST", "/api/build", {routine: S.routine, format: "mp3"});
    if (!r.ok || !r.data || !r.data.job) return failed("Not built", r);
    S.job = r.data.job;
    $("build-box").hidden = false;
    $("build-progress").value = 0;
    $("build-stage").textContent = "Building…";
  }
  async function share() {
    A.status("Writing the share folder…");
    const r = await A.api("POST", "/api/share", {routine: S.routine, folder: "shared"});
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
    A.status(`Shared in ${r.data.folder}: ${r.data.address}`);
  }
  function listen() {
    const events = new EventSource(withToken("/api/events"));
    const data = e => { try { return JSON.parse(e.data); } catch (_) { return {}; } };
    events.addEventListener("clips", e => {
      const {done, total} = data(e);
      $("clips").textContent = done < total ? `Synthesizing the voice: ${done} of ${total} clips; lengths marked ≈ are estimates.` : "";
      if (done >= total) A.scheduleCheck();
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
      A.status(`Built ${$("player-link").textContent}.`);
    });
    events.addEventListener("failed", e => {
      const d = data(e);
      if (d.job === "clips") return failed("The voice could not speak every line", {data: d, status: 0});
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
      $(id).addEventListener("error", () => A.status(`This browser cannot play ${$(id).currentSrc || "it"}.`));
    }
    $("undo").addEventListener("click", () => A.step(S.undo, S.redo, "Undone"));
    $("redo").addEventListener("click", () => A.step(S.redo, S.undo, "Redone"));
    $("save").addEventListener("click", save);
    $("build").addEventListener("click", build);
    $("share").addEventListener("click", share);
    $("theme").addEventListener("click", () => theme($("theme").getAttribute("aria-pressed") !== "true"));
    $("add-own").addEventListener("click", () => A.add({name: `My exercise ${A.exercises().length + 1}`, hold: "30s"}, true));
    $("add-rest").addEventListener("click", () => A.add({rest: "30s"}, true));
    $("add-say").addEventListener("click", () => A.add({say: ""}, true));
    $("yaml").addEventListener("input", () => {
      if (S.source !== "yaml") { A.record(null); S.source = "yaml"; }
      A.scheduleCheck();
    });
    let searching = null;
    // `change` too: a select set by a script or some assistive tools fires no `input`.
    for (const kind of ["input", "change"]) {
      $("catalog-filter").addEventListener(kind, () => { clearTimeout(searching); searching = setTimeout(searchCatalog, 200); });
    }
    $("catalog-filter").addEventListener("submit", e => { e.preventDefault(); searchCatalog(); });
    $("exercise-list").addEventListener("keydown", e => {
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      const li = e.target.closest(".item");
      if (!li) return;
      e.preventDefault();
      const index = [...$("exercise-list").children].indexOf(li);
      A.move(index, index + (e.key === "ArrowUp" ? -1 : 1), e.target.dataset.action || e.target.dataset.control);
    });
    document.addEventListener("keydown", e => {
      if (!(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === "s") { e.preventDefault(); save(); return; }
      if (e.target === $("yaml")) return;  // the text view keeps the browser's own undo
      if (key === "z" && !e.shiftKey) { e.preventDefault(); A.step(S.undo, S.redo, "Undone"); }
      if ((key === "z" && e.shiftKey) || key === "y") { e.preventDefault(); A.step(S.redo, S.undo, "Redone"); }
    });
    if (window.Sortable) {
      window.Sortable.create($("exercise-list"), {
        handle: ".handle", draggable: ".item", animation: 150,
        // The list is drawn again from the routine, so Sortable's own move of the element
        // needs no undoing.
        onEnd: e => A.move(e.oldDraggableIndex, e.newDraggableIndex),
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
    const r = await A.api("GET", "/api/state");
    if (!r.ok || !r.data) { A.status(`The studio did not answer (${r.status || "no connection"}).`); return; }
    const state = r.data;
    S.schema = state.schema;
    S.routine = state.routine && typeof state.routine === "object" ? state.routine : {};
    S.lists = {"voice.model": state.voices || [], "voice.language": state.languages || [],
      "voice.engine": state.engines || []};
    $("yaml").value = state.yaml || "";
    A.status(state.exists ? `Opened ${state.file}.` : `${state.file} is new: it is written when you save.`);
    if (state.routine === null && state.yaml) {
      // A file that is not YAML yet: its text is what is checked and saved, never an empty form.
      S.source = "yaml";
      A.formsUsable(false);
    }
    A.renderRoutine();
    A.renderList();
    listen();
    await loadCatalog();
    await A.check();
  }
  document.addEventListener("DOMContentLoaded", start);
  Object.assign(A, {searchCatalog, loadCatalog, sent, preview, failed, save, build, share, listen, theme, wire, start});
})();
