// Small DOM helpers shared by the views, and the readable text of every refusal. Text from users is only ever
// set as text, never parsed as HTML.
import { ImError, codeText } from "/sdk/index.js";

/** Creates an element: attributes (on* become listeners, false/undefined are left out), then children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false || value === null) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }

  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  return element;
}

/**
 * Replaces an element's children, keeping the focused input (and what was typed in it) when the new content has
 * one with the same data-key, so that redrawing on every push never steals the keyboard.
 */
export function render(target, content) {
  const active = document.activeElement;
  const key = target.contains(active) ? active?.dataset?.key : undefined;
  const value = key ? active.value : undefined;
  const drafts = new Map([...target.querySelectorAll("[data-key]")].map(input => [input.dataset.key, input.value]));
  const scroller = target.querySelector(".timeline");
  const atBottom = scroller ? scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 8 : true;
  target.replaceChildren(...[content].flat(Infinity).filter(Boolean));
  for (const input of target.querySelectorAll("[data-key]")) {
    if (drafts.has(input.dataset.key)) input.value = drafts.get(input.dataset.key);
  }

  if (key) {
    const again = target.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) {
      again.value = value;
      again.focus();
    }
  }

  const timeline = target.querySelector(".timeline");
  if (timeline && atBottom) timeline.scrollTop = timeline.scrollHeight;
}

/** What a refusal means for the person using the page. */
const MEANING = {
  10001: "the server could not do it right now; try again",
  10002: "the service is unavailable (shutting down or overloaded); try again shortly",
  10005: "you are not allowed to do that",
  10012: "the server does not accept that request",
  10018: "the message is too large",
  10023: "too many requests; slow down",
  20001: "login failed: the token is invalid, expired or for another user",
  20005: "the server could not read the request",
  20007: "invalid value (an id of 0, yourself, or text that is too long)",
  20009: "this device logged in somewhere else",
  20014: "the receiver has blocked you",
  20015: "it does not exist",
  20016: "already done (already a member, or it exists)",
  20017: "you are not a member",
  20018: "you are muted in this group",
  20019: "it is full, or you reached your quota",
  20020: "you are banned there",
  20021: "it is too late to recall that message",
  20022: "the message was not accepted by moderation",
  20023: "moderation is unavailable; try again later",
};

/** One readable line for an error: the request, what the code means, and the code. */
export function explain(error) {
  if (error instanceof ImError && error.refused) {
    return `${error.command} refused: ${MEANING[error.code] ?? codeText(error.code)} (${error.code})`;
  }

  if (error instanceof ImError) return `${error.command}: ${error.message.replace(/^[^:]*: /, "")}`;
  return error?.message ?? String(error);
}

export function showError(error) {
  const text = typeof error === "string" ? error : explain(error);
  const toast = h("p", { class: "toast" }, h("span", {}, text),
    h("button", { type: "button", "aria-label": "Dismiss", onclick: e => e.currentTarget.parentElement.remove() }, "×"));
  document.getElementById("toasts").append(toast);
  setTimeout(() => toast.remove(), 15000);
}

/** Runs an action from the page; its refusal is shown, never swallowed. */
export function act(action) {
  return Promise.resolve().then(action).catch(showError);
}

export function showTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== name;
}

/** A one-field form: submits the trimmed value, clears the field when the action succeeds. */
export function composer({ key, label, button, testId, onsend, oninput, disabled, maxlength = 8192 }) {
  const input = h("input", { "data-key": key, "aria-label": label, placeholder: label, maxlength, required: true, disabled, "data-testid": `${testId}-input`, oninput });
  return h("form", {
    class: "composer",
    onsubmit: e => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      act(async () => {
        try {
          await onsend(text);
        } catch (error) {
          // Keep what was typed when the server refuses it.
          const current = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
          if (current && !current.value) current.value = text;
          throw error;
        }
      });
    },
  }, input, h("button", { type: "submit", disabled, "data-testid": `${testId}-send` }, button));
}

export function time(ms) {
  return new Date(Number(ms)).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
