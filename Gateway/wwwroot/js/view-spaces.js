// Groups (timeline with notices inline, name and rename, recall, typing, members with roles, owner and manager
// actions) and rooms (bucket, live head count, chat, broadcasts, kicks).
import { act, composer, h, time } from "./view.js";

function idForm({ label, button, testId, onsubmit }) {
  const input = h("input", { inputmode: "numeric", pattern: "[0-9]+", required: true, "aria-label": label, placeholder: label, "data-key": testId, "data-testid": `${testId}-input` });
  return h("form", {
    class: "inline",
    onsubmit: e => {
      e.preventDefault();
      const text = input.value.trim();
      const id = Number(text);
      input.value = "";
      act(async () => {
        try {
          if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`"${text}" is not a user id`);
          await onsubmit(id);
        } catch (error) {
          const current = document.querySelector(`[data-key="${CSS.escape(testId)}"]`);
          if (current && !current.value) current.value = text;
          throw error;
        }
      });
    },
  }, input, h("button", { type: "submit", "data-testid": `${testId}-submit` }, button));
}

function action(label, testId, run) {
  return h("button", { type: "button", "data-testid": testId, onclick: () => act(run) }, label);
}

export function renderGroups(model) {
  const groups = [...model.groups.values()].filter(g => !g.gone || model.activeGroup === g.gid).sort((a, b) => a.gid - b.gid);
  if (groups.length === 0) return h("li", { class: "empty" }, "No groups yet");
  return groups.map(g => h("li", {},
    h("button", {
      type: "button",
      class: model.activeGroup === g.gid ? "item active" : "item",
      "data-testid": `group-${g.gid}`,
      onclick: () => model.openGroup(g.gid),
    }, h("span", {}, g.name ? `${g.name} (${g.gid})` : `group ${g.gid}`),
    g.unread > 0 ? h("span", { class: "badge", "aria-label": `${g.unread} unread` }, g.unread) : undefined)));
}

const RANK = { owner: 3, manager: 2, member: 1 };

function memberActions(model, g, member) {
  const mine = RANK[g.role] ?? 0;
  if (member.uid === model.uid || mine < 2 || (RANK[member.role] ?? 0) >= mine) return [];
  const buttons = [
    action("Remove", `kick-${member.uid}`, () => model.memberAction(g.gid, "kick", member.uid)),
    action("Ban", `ban-${member.uid}`, () => model.memberAction(g.gid, "ban", member.uid)),
    member.gag ? action("Unmute", `ungag-${member.uid}`, () => model.memberAction(g.gid, "ungag", member.uid))
      : action("Mute", `gag-${member.uid}`, () => model.memberAction(g.gid, "gag", member.uid)),
  ];
  if (g.role === "owner") {
    buttons.push(member.role === "manager"
      ? action("Dismiss manager", `demote-${member.uid}`, () => model.memberAction(g.gid, "dismiss", member.uid))
      : action("Make manager", `appoint-${member.uid}`, () => model.memberAction(g.gid, "appoint", member.uid)));
  }

  return buttons;
}

// The server's default recall window (Chat:RecallWindow); owners and managers may recall any message.
const RECALL_MS = 2 * 60 * 1000;

function canRecall(model, g, entry) {
  if (!entry.seq || entry.recalled || g.gone || g.left) return false;
  if ((RANK[g.role] ?? 0) >= 2) return true;
  return entry.from === model.uid && Date.now() - Number(entry.time) < RECALL_MS;
}

function renameForm(model, g) {
  return h("form", {
    class: "inline",
    onsubmit: e => {
      e.preventDefault();
      const name = e.target.elements.name.value.trim();
      if (name) act(() => model.renameGroup(g.gid, name));
    },
  }, h("input", { name: "name", "data-key": `group-name-${g.gid}`, "aria-label": "Group name", placeholder: "new name", maxlength: 64, required: true, "data-testid": "group-rename-input" }),
  h("button", { type: "submit", "data-testid": "group-rename-submit" }, "Rename"));
}

export function renderGroup(model) {
  const gid = model.activeGroup;
  if (gid === undefined) return h("p", { class: "empty" }, "Create a group, join one by id, or choose one.");
  const g = model.group(gid);
  const entries = [...g.entries.values()].sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
  const canManage = (RANK[g.role] ?? 0) >= 2;
  return [
    h("header", { class: "view-head" }, h("h2", {}, g.name ? `${g.name} (${gid})` : `Group ${gid}`),
      g.role ? h("span", { class: "role", "data-testid": "my-role" }, g.role) : undefined,
      g.gone ? undefined : h("span", { class: "actions" },
        g.role === "owner" ? action("Dismiss group", "group-dismiss", () => model.dismissGroup(gid))
          : g.left ? undefined : action("Leave", "group-quit", () => model.quitGroup(gid)))),
    g.role === "owner" || g.role === "manager" ? renameForm(model, g) : undefined,
    h("ol", { class: "timeline", "data-testid": "group-messages", "aria-label": "Group messages" },
      entries.map(e => e.kind === "notice"
        ? h("li", { class: "notice", "data-testid": "group-notice" }, e.text)
        : h("li", { class: e.from === model.uid ? "message mine" : "message", "data-testid": "group-message", "data-seq": e.seq ?? "" },
          h("p", { class: "from" }, e.from === model.uid ? "You" : model.displayName(e.from)),
          e.recalled ? h("p", { class: "text recalled", "data-testid": "recalled" }, "Message recalled") : h("p", { class: "text" }, e.text),
          h("p", { class: "meta" }, time(e.time), e.status && e.status !== "sent" ? ` ${e.status}` : "",
            canRecall(model, g, e) ? [" ", h("button", { type: "button", class: "link", "data-testid": "recall", onclick: () => act(() => model.recallGroupMessage(gid, e.seq)) }, "Recall")] : undefined)))),
    model.isTyping(g) ? h("p", { class: "typing", "data-testid": "typing", "aria-live": "polite" }, "Someone is typing…") : undefined,
    g.gone || g.left ? h("p", { class: "hint" }, g.gone ? "This group was dismissed." : "You are not a member of this group.")
      : composer({ key: `group-${gid}`, label: "Message to the group", button: "Send", testId: "group-chat", onsend: text => model.sendGroupChat(gid, text), oninput: () => model.typingInGroup(gid) }),
    g.gone || g.left ? undefined : h("section", { class: "members", "aria-label": "Members" },
      h("h3", {}, `Members (${g.members.length})`),
      h("table", { "data-testid": "members" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "User"), h("th", { scope: "col" }, "Role"), h("th", { scope: "col" }, "Muted"), canManage ? h("th", { scope: "col" }, "Actions") : undefined)),
        h("tbody", {}, g.members.map(m => h("tr", { "data-testid": `member-${m.uid}` },
          h("td", {}, m.uid === model.uid ? "You" : model.displayName(m.uid)),
          h("td", { "data-testid": `role-${m.uid}` }, m.role),
          h("td", {}, m.gag ? "muted" : ""),
          canManage ? h("td", { class: "actions" }, memberActions(model, g, m)) : undefined)))),
      idForm({ label: "Invite user id", button: "Invite", testId: "group-invite", onsubmit: uid => model.invite(gid, uid) })),
  ];
}

export function renderRooms(model) {
  const rooms = [...model.rooms.values()].sort((a, b) => a.rid - b.rid);
  if (rooms.length === 0) return h("li", { class: "empty" }, "No rooms joined");
  return rooms.map(r => h("li", {},
    h("button", {
      type: "button",
      class: model.activeRoom === r.rid ? "item active" : "item",
      "data-testid": `room-${r.rid}`,
      onclick: () => model.openRoom(r.rid),
    }, h("span", {}, r.name ? `${r.name} (${r.rid})` : `room ${r.rid}`), r.count !== undefined ? h("span", { class: "count" }, `${r.count} here`) : undefined)));
}

export function renderRoom(model) {
  const rid = model.activeRoom;
  if (rid === undefined || !model.rooms.has(rid)) return h("p", { class: "empty" }, "Create a room, or join one by id.");
  const r = model.room(rid);
  return [
    h("header", { class: "view-head" }, h("h2", {}, r.name ? `${r.name} (${rid})` : `Room ${rid}`),
      h("span", { class: "count", "data-testid": "room-count", "aria-live": "polite" }, r.count === undefined ? "" : `${r.count} here`),
      r.bucket ? h("span", { class: "bucket" }, `bucket ${r.bucket}`) : undefined,
      h("span", { class: "actions" },
        r.joined ? action("Leave", "room-quit", () => model.quitRoom(rid)) : action("Join again", "room-rejoin", () => model.joinRoom(rid)),
        action("Dismiss", "room-dismiss", () => model.dismissRoom(rid)))),
    h("ol", { class: "timeline", "data-testid": "room-messages", "aria-label": "Room messages" },
      r.entries.map(e => e.kind === "chat"
        ? h("li", { class: e.from === model.uid ? "message mine" : "message", "data-testid": "room-message" },
          h("p", { class: "from" }, e.from === model.uid ? "You" : model.displayName(e.from)), h("p", { class: "text" }, e.text))
        : h("li", { class: e.kind, "data-testid": `room-${e.kind}` }, e.kind === "broadcast" ? `Broadcast: ${e.text}` : e.text))),
    r.joined ? composer({ key: `room-${rid}`, label: "Message to the room", button: "Send", testId: "room-chat", onsend: text => model.sendRoomChat(rid, text) }) : undefined,
    r.joined ? h("section", { class: "moderation", "aria-label": "Owner and manager tools" }, h("h3", {}, "Owner and manager tools"),
      composer({ key: `room-bc-${rid}`, label: "Broadcast to every bucket", button: "Broadcast", testId: "room-bc", onsend: text => model.broadcastRoom(rid, text) }),
      idForm({ label: "Remove and ban user id", button: "Remove", testId: "room-kick", onsubmit: uid => model.kickFromRoom(rid, uid) })) : undefined,
  ];
}
