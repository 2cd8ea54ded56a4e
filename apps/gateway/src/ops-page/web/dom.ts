/**
 * DOM helpers of the /ops page. Every value goes in as text (textContent, createTextNode), never
 * as markup, so names and reasons from the API cannot inject anything.
 */
import { num } from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Attributes to set; `text` sets the text content, `onclick` adds a click listener; null, undefined and false are left out. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((event: MouseEvent) => void)>;
export type Child = Node | string | number | null | undefined | false;
export type Children = Child | Child[];

/** An element of the page skeleton (ops.html); a missing one is a bug of the page, said by name. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no element #${id}`);
  return el as T;
}

function setAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (typeof v === 'function') {
      if (k === 'onclick') el.addEventListener('click', v as EventListener);
    } else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append<E extends Node>(el: E, children: Children): E {
  if (children === null || children === undefined) return el;
  for (const c of Array.isArray(children) ? children : [children]) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An HTML element with its attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, children?: Children): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  return append(el, children ?? null);
}

/** An SVG element with its attributes and children. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, children?: Children): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  return append(el, children ?? null);
}

/** Redraws the container and gives focus back to the control that had it (refreshes must not throw keyboard users out). */
export function keepingFocus(container: HTMLElement, draw: () => void): void {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.getAttribute('data-focus-key') : null;
  draw();
  if (key) {
    const again = container.querySelector<HTMLElement>('[data-focus-key="' + CSS.escape(key) + '"]');
    if (again) again.focus();
  }
}

/** A coloured badge that also carries its word (colour is never the only signal). */
export function badge(word: string, label?: string): HTMLSpanElement {
  return h('span', { class: 'badge s-' + word, text: label || word });
}

/** A right-aligned figure, greyed when zero. */
export function numCell(value: number | null | undefined, field: string, extraClass?: string | null): HTMLTableCellElement {
  const cls = 'num' + (value === 0 ? ' zero' : '') + (extraClass ? ' ' + extraClass : '');
  return h('td', { class: cls, 'data-field': field }, num(value));
}
