// Form fields made from the routine's JSON Schema (GET /api/state's "schema"): a field added to
// audiocoach's definitions appears here with its type, choices, default and description.
"use strict";
(() => {
  let serial = 0;
  const NUMBER = /^\s*-?\d+(\.\d+)?\s*$/;

  /** "exercises[1].hold" for ["exercises", 1, "hold"]: the way `validate` names a field. */
  function pathText(path) {
    return path.map((part, i) => typeof part === "number" ? `[${part}]` : (i ? "." : "") + part)
      .join("");
  }

  function types(schema) {
    const t = schema.type;
    return Array.isArray(t) ? t : t ? [t] : [];
  }

  /** Text with `code` spans, as the definitions write their descriptions. */
  function described(element, text) {
    String(text || "").split("`").forEach((part, i) => {
      if (!part) return;
      if (i % 2) {
        const code = document.createElement("code");
        code.textContent = part;
        element.append(code);
      } else {
        element.append(part);
      }
    });
    return element;
  }

  function label(key) {
    const words = String(key).replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function shown(value) {
    if (value === undefined || value === null) return "";
    if (value === false) return "off";
    return String(value);
  }

  /** What the typed text means for this field: a number where the schema takes numbers and the
   *  text is one, else the text as typed (so `validate` judges it in its own words). */
  function parsed(schema, text) {
    if (text.trim() === "") return undefined;
    const kinds = new Set((schema.anyOf || [schema]).flatMap(types));
    const numeric = kinds.has("number") || kinds.has("integer");
    const measured = schema.pattern || schema.minimum !== undefined || schema.maximum !== undefined
      || (schema.anyOf || []).some(s => s.pattern || s.minimum !== undefined);
    if (numeric && NUMBER.test(text) && (measured || !kinds.has("string"))) return Number(text);
    if ((schema.anyOf || []).some(s => s.const === false) && text.trim() === "off") return false;
    return text;
  }

  function choices(schema) {
    if (schema.enum) return schema.enum.map(String);
    return (schema.anyOf || []).flatMap(s => s.enum ? s.enum.map(String) : []);
  }

  function isObject(schema) { return !!(schema && schema.properties); }

  /**
   * One field: a wrapper `.field[data-field]` holding a label, the control, the description
   * (`.help`) and the place for its problem (`.problem`).
   * ctx: {set(path, value, structural), lists: {"voice.model": [...]}, inherited(path)}
   */
  function field(ctx, path, key, schema, value) {
    const here = [...path, key];
    const name = pathText(here);
    if (isObject(schema) && types(schema).includes("object")) {
      return group(ctx, here, key, schema, value);
    }
    if (types(schema).includes("array") && isObject(schema.items)) {
      return itemList(ctx, here, key, schema, value);
    }
    const objectBranch = (schema.anyOf || []).find(isObject);
    const id = `f${++serial}`;
    const wrap = document.createElement("div");
    wrap.className = "field";
    wrap.dataset.field = name;
    const title = document.createElement("label");
    title.htmlFor = id;
    title.textContent = label(key);
    let control;
    if (types(schema).includes("boolean")) {
      wrap.classList.add("check");
      control = document.createElement("input");
      control.type = "checkbox";
      control.checked = value === true;
      control.addEventListener("change", () => ctx.set(here, control.checked ? true :
        (schema.default === false ? undefined : false)));
      wrap.append(control, title);
    } else if (schema.enum || objectBranch) {
      control = document.createElement("select");
      const fallback = ctx.inherited(here) ?? schema.default;
      control.append(new Option(fallback !== undefined ? `default (${shown(fallback)})` : "—", ""));
      for (const choice of choices(schema)) control.append(new Option(choice, choice));
      if (objectBranch) control.append(new Option("one per cue…", "{}"));
      const current = value && typeof value === "object" ? "{}" : shown(value);
      if (current && ![...control.options].some(o => o.value === current)) {
        control.append(new Option(current, current));  // a value the list lacks stays visible
      }
      control.value = current;
      control.addEventListener("change", () => {
        const v = control.value;
        ctx.set(here, v === "" ? undefined : v === "{}" ? {} : parsed(schema, v), true);
      });
      wrap.append(title, control);
    } else if (types(schema).includes("array")) {
      control = document.createElement("textarea");
      control.rows = 2;
      control.value = (value || []).map(shown).join("\n");
      control.addEventListener("input", () => {
        const lines = control.value.split("\n").filter(line => line.trim() !== "");
        ctx.set(here, lines.length ? lines.map(line => parsed(schema.items || {}, line)) : undefined);
      });
      wrap.append(title, control);
    } else {
      control = document.createElement("input");
      control.type = "text";
      control.value = shown(value);
      control.autocomplete = "off";
      const fallback = ctx.inherited(here) ?? schema.default;
      if (fallback !== undefined) control.placeholder = shown(fallback);
      const suggestions = ctx.lists[name.replace(/\[\d+\]/g, "[]")] || choices(schema);
      if (suggestions.length) {
        const list = document.createElement("datalist");
        list.id = `${id}-list`;
        for (const s of suggestions) list.append(new Option(s));
        control.setAttribute("list", list.id);
        wrap.append(list);
      }
      control.addEventListener("input", () => ctx.set(here, parsed(schema, control.value)));
      wrap.prepend(title);
      wrap.append(control);
    }
    control.id = id;
    control.dataset.control = name;
    const help = described(document.createElement("p"), schema.description);
    if (control.tagName === "TEXTAREA") help.append(" (one per line)");
    help.className = "help";
    help.id = `${id}-help`;
    const problem = document.createElement("p");
    problem.className = "problem";
    problem.id = `${id}-problem`;
    control.setAttribute("aria-describedby", help.id);
    wrap.append(help, problem);
    if (objectBranch && value && typeof value === "object") {
      wrap.append(group(ctx, here, `${key} per cue`, objectBranch, value, true));
    }
    return wrap;
  }

  /** An object's fields in a fieldset, folded away unless it has values. */
  function group(ctx, here, key, schema, value, inline) {
    const details = document.createElement("details");
    details.className = "group";
    details.dataset.field = pathText(here);
    details.open = inline || (value !== undefined && Object.keys(value || {}).length > 0);
    const summary = document.createElement("summary");
    summary.textContent = label(key);
    const body = form(ctx, here, schema, value || {});
    const help = described(document.createElement("p"), schema.description);
    help.className = "help";
    const problem = document.createElement("p");
    problem.className = "problem";
    body.prepend(help, problem);
    details.append(summary, body);
    return details;
  }

  /** A list of objects (an exercise's steps): each item's fields, with add and remove. */
  function itemList(ctx, here, key, schema, value) {
    const box = document.createElement("fieldset");
    box.className = "field";
    box.dataset.field = pathText(here);
    const legend = document.createElement("legend");
    legend.textContent = label(key);
    const list = document.createElement("ol");
    list.className = "steps";
    const items = Array.isArray(value) ? value : [];
    items.forEach((item, index) => {
      const li = document.createElement("li");
      li.dataset.field = pathText([...here, index]);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "small-button";
      remove.textContent = `Remove ${label(key).toLowerCase()} ${index + 1}`;
      remove.addEventListener("click", () => {
        const rest = items.filter((_, i) => i !== index);
        ctx.set(here, rest.length ? rest : undefined, true);
      });
      const problem = document.createElement("p");
      problem.className = "problem";
      li.append(form(ctx, [...here, index], schema.items, item || {}), problem, remove);
      list.append(li);
    });
    const add = document.createElement("button");
    add.type = "button";
    add.textContent = `Add a ${label(key).toLowerCase().replace(/s$/, "")}`;
    add.addEventListener("click", () => {
      const first = Object.keys(schema.items.properties)[0];
      ctx.set(here, [...items, {[first]: ""}], true);
    });
    const help = described(document.createElement("p"), schema.description);
    help.className = "help";
    const problem = document.createElement("p");
    problem.className = "problem";
    box.append(legend, help, list, add, problem);
    return box;
  }

  /** Every property of `schema` that `ctx.applies` lets through, in the schema's order. */
  function form(ctx, path, schema, value) {
    const box = document.createElement("div");
    box.className = "form";
    for (const [key, sub] of Object.entries(schema.properties || {})) {
      if (ctx.applies && !ctx.applies([...path, key], value)) continue;
      box.append(field(ctx, path, key, sub, value[key]));
    }
    return box;
  }

  window.StudioForms = {pathText, form, field, described, label, shown};
})();
