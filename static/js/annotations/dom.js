// Small DOM helpers shared by the thread panel and the forms.

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function button(label, handler, className) {
  const b = el("button", className || "link-button", label);
  b.type = "button";
  b.addEventListener("click", handler);
  return b;
}
