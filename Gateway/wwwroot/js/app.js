// The page: login, then tabs for chats, contacts, groups, rooms and notices, drawn from the SDK's ChatModel (served
// at /sdk/ from sdk/js/src) on every change. Every refusal is shown with its protocol code; nothing fails silently.
import { ChatModel } from "/sdk/index.js";
import { act, h, render, showError, showTab } from "./view.js";
import { renderContacts, renderConversation, renderConversations } from "./view-chats.js";
import { renderGroup, renderGroups, renderRoom, renderRooms } from "./view-spaces.js";

const $ = id => document.getElementById(id);
let model = null;

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/im`;
}

async function devToken(uid) {
  const response = await fetch(`/api/dev/token?uid=${encodeURIComponent(uid)}`);
  if (response.status === 404) throw new Error("this server is not in Development: paste a token minted by the operator");
  if (!response.ok) throw new Error(`could not get a development token (HTTP ${response.status})`);
  return (await response.json()).token;
}

async function login(uid, token) {
  if (!token) token = await devToken(uid);
  sessionStorage.setItem("orleansim.login", JSON.stringify({ uid, token }));
  begin(uid, token, undefined);
}

function begin(uid, token, sid) {
  model = new ChatModel({
    url: socketUrl(), uid, token, sid, app: "web", version: "1",
    // Only the rooms of this tab are remembered, for a reload; nothing of the account is kept in the browser.
    storage: sessionStorage,
    isVisible: () => !document.hidden,
  });
  model.on("change", draw);
  model.on("problem", showError);
  model.on("online", ack => sessionStorage.setItem("orleansim.sid", String(ack.sid)));
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  model.start();
  draw();
}

async function logout() {
  sessionStorage.removeItem("orleansim.login");
  sessionStorage.removeItem("orleansim.sid");
  const m = model;
  model = null;
  await m?.stop();
  $("app").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("status").textContent = "logged out";
  $("status").dataset.state = "closed";
  $("session-info").textContent = "";
}

const STATE_TEXT = {
  connecting: "connecting…",
  online: "online",
  reconnecting: "reconnecting",
  refused: "login refused",
  kicked: "signed out",
  closed: "disconnected",
};

function draw() {
  if (!model) return;
  const { state } = model;
  const detail = state === "reconnecting" || state === "refused" || state === "kicked" ? model.lastStateDetail : "";
  $("status").textContent = `${STATE_TEXT[state] ?? state}${detail ? ": " + detail : ""}`;
  $("status").dataset.state = state;
  $("session-info").textContent = `uid ${model.uid} · sid ${model.info.sid} · seq ${model.inboxSeq}` +
    (model.info.heartbeat ? ` · heartbeat ${model.info.heartbeat} s` : "");

  const unread = [...model.conversations.values()].reduce((n, c) => n + c.unread, 0);
  const groupUnread = [...model.groups.values()].reduce((n, g) => n + g.unread, 0);
  setBadge("unread-total", unread);
  setBadge("requests-count", model.contacts.requestsIn.size);
  setBadge("group-unread", groupUnread);
  document.title = unread + groupUnread > 0 ? `(${unread + groupUnread}) OrleansIm` : "OrleansIm";

  render($("conversations"), renderConversations(model));
  render($("conversation"), renderConversation(model));
  render($("contacts"), renderContacts(model));
  render($("groups"), renderGroups(model));
  render($("group"), renderGroup(model));
  render($("rooms"), renderRooms(model));
  render($("room"), renderRoom(model));
  render($("notices"), model.notices.slice().reverse().map(n =>
    h("li", {}, h("strong", {}, n.kind), " ", new Date(n.time).toLocaleTimeString(), " — ", n.text)));
}

function setBadge(testId, count) {
  const badge = document.querySelector(`[data-testid="${testId}"]`);
  badge.textContent = count > 0 ? String(count) : "";
  badge.setAttribute("aria-label", count > 0 ? `${count} new` : "");
}

function formValue(form, name) {
  return form.elements[name].value.trim();
}

function uidOf(text) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`"${text}" is not a user, group or room id`);
  return n;
}

/** A form whose action runs with the form's trimmed values; it is cleared once the action succeeds. */
function onSubmit(id, action) {
  $(id).addEventListener("submit", e => {
    e.preventDefault();
    const form = e.target;
    const value = name => formValue(form, name);
    act(async () => {
      await action(value);
      form.reset();
    });
  });
}

function wire() {
  $("login-form").addEventListener("submit", e => {
    e.preventDefault();
    act(() => login(uidOf(formValue(e.target, "uid")), formValue(e.target, "token")));
  });
  $("logout").addEventListener("click", () => act(logout));
  for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  onSubmit("new-chat", value => model.openConversation(uidOf(value("peer"))));
  onSubmit("friend-add", value => model.addFriend(uidOf(value("uid")), value("mark")));
  onSubmit("group-create", async value => model.openGroup(await model.createGroup(value("name"))));
  onSubmit("group-join", async value => {
    const gid = uidOf(value("gid"));
    await model.joinGroup(gid);
    model.openGroup(gid);
  });
  onSubmit("room-create", async value => model.openRoom(await model.createRoom(value("name"))));
  onSubmit("room-join", async value => {
    const rid = uidOf(value("rid"));
    await model.joinRoom(rid);
    model.openRoom(rid);
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && model?.activeConversation !== undefined) model.openConversation(model.activeConversation);
  });
}

wire();
const saved = JSON.parse(sessionStorage.getItem("orleansim.login") ?? "null");
if (saved) {
  // A reload resumes the same device (sid) and replays history through SYNC.
  const sid = Number(sessionStorage.getItem("orleansim.sid") ?? "0");
  begin(saved.uid, saved.token, sid || undefined);
}
