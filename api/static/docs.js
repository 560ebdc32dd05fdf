// Renders /v1/openapi.json as a list of operations grouped by tag. No dependencies.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function schemaName(ref) {
  return ref ? ref.split("/").pop() : "";
}

function operation(path, method, op, schemas) {
  const params = (op.parameters || []).map((p) =>
    el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, p.required ? "yes" : ""),
      el("td", {}, p.description || "")));
  const responses = Object.entries(op.responses || {}).map(([status, r]) => {
    const types = Object.entries(r.content || {}).map(([type, c]) =>
      `${type}${c.schema && c.schema.$ref ? " → " + schemaName(c.schema.$ref) : ""}`);
    return el("tr", {}, el("td", {}, status), el("td", {}, r.description || ""), el("td", {}, types.join(", ")));
  });
  const body = el("div", {});
  if (op.security) body.append(el("p", {}, "Requires a bearer token."));
  if (params.length) {
    body.append(el("h4", {}, "Parameters"),
      el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "required"),
        el("th", {}, "description")), ...params));
  }
  if (op.requestBody) {
    body.append(el("h4", {}, "Request body"), el("p", {}, Object.keys(op.requestBody.content || {}).join(", ")));
  }
  body.append(el("h4", {}, "Responses"),
    el("table", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "description"), el("th", {}, "content")),
      ...responses));
  return el("details", {}, el("summary", {}, el("span", { class: `method ${method}` }, method.toUpperCase()),
    el("code", {}, path), " — ", op.summary || ""), body);
}

async function main() {
  const root = document.getElementById("api");
  const response = await fetch("/v1/openapi.json", { headers: { Accept: "application/json" } });
  const doc = await response.json();
  const groups = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ["other"])[0];
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(operation(path, method, op, doc.components.schemas));
    }
  }
  root.replaceChildren();
  root.append(el("p", {}, `${doc.info.title}, version ${doc.info.version}.`));
  for (const [tag, ops] of groups) root.append(el("h2", {}, tag), ...ops);
  const schemas = el("div", {});
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    schemas.append(el("details", {}, el("summary", {}, el("code", {}, name)),
      el("pre", {}, JSON.stringify(schema, null, 2))));
  }
  root.append(el("h2", {}, "schemas"), schemas);
}

main().catch((err) => {
  document.getElementById("api").textContent = `Could not load the OpenAPI document: ${err}`;
});
