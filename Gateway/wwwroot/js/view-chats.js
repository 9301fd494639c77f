// Private chat and contacts: the conversation list with unread counts, one conversation with the state of each
// message (sending, sent = stored by the server, delivered = reached one of the receiver's devices, read = the
// receiver read it), recall of one's own recent messages, the peer's typing, and the contact lists.
import { act, composer, h, showTab, time } from "./view.js";

const STATUS_TEXT = { sending: "sending…", sent: "✓ sent", delivered: "✓✓ delivered", read: "✓✓ read", failed: "failed" };
// The server's default recall window (Chat:RecallWindow); past it the button goes, and the server has the last word.
const RECALL_MS = 2 * 60 * 1000;

export function renderConversations(model) {
  const conversations = [...model.conversations.values()]
    .sort((a, b) => lastTime(b) - lastTime(a));
  if (conversations.length === 0) return h("li", { class: "empty" }, "No conversations yet");
  return conversations.map(c => h("li", {},
    h("button", {
      type: "button",
      class: model.activeConversation === c.peer ? "item active" : "item",
      "aria-current": model.activeConversation === c.peer ? "true" : undefined,
      "data-testid": `conversation-${c.peer}`,
      onclick: () => model.openConversation(c.peer),
    },
    h("span", {}, model.displayName(c.peer), presenceDot(model, c.peer)),
    c.unread > 0 ? h("span", { class: "badge", "data-testid": `unread-${c.peer}`, "aria-label": `${c.unread} unread` }, c.unread) : undefined)));
}

function lastTime(conversation) {
  let last = Number(conversation.lastTime) || 0;
  for (const m of conversation.messages.values()) last = Math.max(last, Number(m.time) || 0);
  return last;
}

function presenceDot(model, uid) {
  const presence = model.contacts.presence[uid];
  if (!presence) return undefined;
  return h("span", { class: `presence ${presence}`, "data-testid": `presence-${uid}` }, ` ${presence}`);
}

function lastSeen(model, uid) {
  const seen = model.contacts.lastSeen?.[uid];
  if (!seen || model.contacts.presence[uid] === "online") return undefined;
  return h("span", { class: "last-seen", "data-testid": `last-seen-${uid}` }, ` last seen ${time(seen)}`);
}

function ordered(messages) {
  return [...messages.values()].sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity) || (a.serial ?? 0) - (b.serial ?? 0));
}

export function renderConversation(model) {
  const peer = model.activeConversation;
  if (peer === undefined) return h("p", { class: "empty" }, "Choose a conversation, or open one with a user id.");
  const conversation = model.conversation(peer);
  const blocked = model.contacts.blacklist.has(peer);
  return [
    h("header", { class: "view-head" }, h("h2", {}, model.displayName(peer)), presenceDot(model, peer), lastSeen(model, peer)),
    h("ol", { class: "timeline", "data-testid": "messages", "aria-label": `Messages with ${model.displayName(peer)}` },
      ordered(conversation.messages).map(m => {
        const mine = m.from === model.uid;
        const recallable = mine && m.seq && !m.recalled && Date.now() - Number(m.time) < RECALL_MS;
        return h("li", { class: mine ? "message mine" : "message", "data-testid": "message", "data-seq": m.seq ?? "" },
          m.recalled ? h("p", { class: "text recalled", "data-testid": "recalled" }, mine ? "You recalled a message" : "Message recalled")
            : h("p", { class: "text" }, m.text),
          h("p", { class: "meta" }, time(m.time), " ",
            mine && !m.recalled ? h("span", { class: `state ${m.status}`, "data-testid": "message-state" }, STATUS_TEXT[m.status] ?? m.status) : undefined,
            recallable ? [" ", h("button", { type: "button", class: "link", "data-testid": "recall", onclick: () => act(() => model.recall(peer, m.seq)) }, "Recall")] : undefined,
            m.status === "failed" ? [" ", m.error ?? "", " ",
              h("button", { type: "button", class: "link", onclick: () => act(() => model.retry(peer, m.serial)) }, "Retry")] : undefined));
      })),
    model.isTyping(conversation) ? h("p", { class: "typing", "data-testid": "typing", "aria-live": "polite" }, `${model.displayName(peer)} is typing…`) : undefined,
    blocked ? h("p", { class: "hint" }, "You blocked this user; unblock to hear from them again.") : undefined,
    composer({ key: `chat-${peer}`, label: "Message", button: "Send", testId: "chat", onsend: text => model.sendChat(peer, text), oninput: () => model.typing(peer) }),
  ];
}

function contactRow(model, uid, ...actions) {
  return h("li", { "data-testid": `contact-${uid}` }, h("span", {}, model.displayName(uid), presenceDot(model, uid)), h("span", { class: "actions" }, actions));
}

function button(label, testId, action) {
  return h("button", { type: "button", "data-testid": testId, onclick: () => act(action) }, label);
}

export function renderContacts(model) {
  const c = model.contacts;
  const sorted = set => [...set].sort((a, b) => a - b);
  const section = (title, testId, items, empty) => h("section", { class: "contacts", "aria-label": title },
    h("h3", {}, title), h("ul", { class: "rows", "data-testid": testId }, items.length ? items : h("li", { class: "empty" }, empty)));
  const remark = uid => h("form", {
    class: "remark",
    onsubmit: e => {
      e.preventDefault();
      act(() => model.setMark(uid, e.target.elements.mark.value.trim()));
    },
  }, h("input", { name: "mark", "data-key": `mark-${uid}`, "aria-label": `Remark for user ${uid}`, placeholder: "remark", maxlength: 64 }),
  h("button", { type: "submit" }, "Save"));
  return [
    section("Friend requests", "requests-in", sorted(c.requestsIn).map(uid => contactRow(model, uid,
      button("Accept", `accept-${uid}`, () => model.addFriend(uid)),
      button("Decline", `decline-${uid}`, () => model.removeFriend(uid)))), "No requests"),
    section("Sent requests", "requests-out", sorted(c.requestsOut).map(uid => contactRow(model, uid,
      button("Cancel", `cancel-${uid}`, () => model.removeFriend(uid)))), "None pending"),
    section("Friends", "friends", sorted(c.friends).map(uid => contactRow(model, uid,
      button("Chat", `chat-${uid}`, () => { model.openConversation(uid); showTab("chats"); }),
      c.gagged.has(uid) ? button("Unmute", `unmute-${uid}`, () => model.setFlag("gagged", uid, false))
        : button("Mute", `mute-${uid}`, () => model.setFlag("gagged", uid, true)),
      button("Block", `block-${uid}`, () => model.setFlag("blacklist", uid, true)),
      button("Remove", `remove-${uid}`, () => model.removeFriend(uid)),
      remark(uid))), "No friends yet"),
    section("Blocked", "blocked", sorted(c.blacklist).map(uid => contactRow(model, uid,
      button("Unblock", `unblock-${uid}`, () => model.setFlag("blacklist", uid, false)))), "Nobody"),
    section("Muted", "muted", sorted(c.gagged).filter(uid => !c.friends.has(uid)).map(uid => contactRow(model, uid,
      button("Unmute", `unmute-${uid}`, () => model.setFlag("gagged", uid, false)))), "Nobody else"),
  ];
}
