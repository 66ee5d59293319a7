/* SupportDesk live chat widget. Embed with one tag (no build step):
 *   <script src="https://support.example.co.id/chat/widget.js" data-key="pk_..." async></script>
 * Optional: data-lang="en"; a signed-in customer as data-customer-id / -email / -name / -timestamp /
 * -signature (signature = hex HMAC-SHA256 of "id|email|name|timestamp" with the widget's identity secret,
 * computed on the merchant's server; timestamp in Unix seconds; valid 24 hours by default; docs/chat.md).
 * Talks to SupportDesk over a WebSocket; falls back to polling over HTTP when one cannot be opened.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="/chat/widget.js"][data-key]');
  if (!script || window.__supportDeskChat) return;
  window.__supportDeskChat = true;
  var d = script.dataset, key = d.key, base = new URL(script.src, location.href).origin;
  var lang = ((d.lang || document.documentElement.lang || navigator.language || "id").slice(0, 2) === "en") ? "en" : "id";
  var customer = d.customerId ? { id: d.customerId, email: d.customerEmail || "", name: d.customerName || "", timestamp: d.customerTimestamp || "", signature: d.customerSignature || "" } : null;
  var storeKey = "supportdesk-chat:" + key;
  var saved = load();
  var cfg = null, T = {}, socket = null, polling = null, probe = null, failures = 0, drops = [], pinger = null;
  // The newest message id on screen in THIS page: 0 after a (re)load, so the server sends the conversation.
  var cursor = 0, earlierShown = false;
  var CONNECT_TIMEOUT = 8000, DROP_WINDOW = 60000, DROPS_BEFORE_POLLING = 3, PROBE_EVERY = 60000;
  var state = {}, shown = {}, lastAgentId = 0, typingSent = 0, typingIdle = null, isOpen = false, unread = 0;

  function load() { try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; } }
  function persist() { try { localStorage.setItem(storeKey, JSON.stringify(saved)); } catch (e) { /* private mode */ } }
  function api(path) { return base + "/chat/api/" + key + "/" + path + "/?lang=" + lang; }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function t(name, values) {
    var text = T[name] || name;
    Object.keys(values || {}).forEach(function (k) { text = text.replace("%(" + k + ")s", values[k]); });
    return text;
  }

  // --- DOM (inside a shadow root, so the merchant's CSS and ours never mix) ---------------------------
  var host = document.createElement("div");
  host.setAttribute("data-supportdesk-chat", "");
  var root = host.attachShadow({ mode: "open" });
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  var style = el("style", { text: [
    ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".launcher[hidden]{display:none}.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;color:#fff;font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".panel{position:fixed;right:20px;bottom:84px;z-index:2147483001;width:360px;height:540px;max-height:calc(100vh - 104px);background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);display:flex;flex-direction:column;overflow:hidden;font-size:14px;color:#1f2937}",
    ".panel[hidden]{display:none}.head{color:#fff;padding:12px 14px;display:flex;justify-content:space-between;align-items:center}",
    ".head b{font-size:15px}.head small{display:block;opacity:.9}.head button{background:none;border:0;color:#fff;font-size:22px;cursor:pointer}",
    ".body{flex:1;overflow-y:auto;padding:12px;background:#f9fafb}.foot{border-top:1px solid #e5e7eb;padding:8px;display:flex;gap:6px;align-items:flex-end}",
    "form.stack label{display:block;margin:8px 0 2px;font-weight:600}form.stack input,form.stack select,form.stack textarea{width:100%;padding:8px;border:1px solid #d1d5db;border-radius:6px;font-size:14px}",
    ".err{color:#b91c1c;font-size:12px}.btn{border:0;border-radius:6px;color:#fff;padding:9px 14px;font-size:14px;cursor:pointer;margin-top:10px}",
    ".msg{max-width:80%;margin:6px 0;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}",
    ".msg.visitor{margin-left:auto;color:#fff}.msg.agent{background:#e5e7eb}.msg small{display:block;font-size:11px;opacity:.8;margin-top:2px}",
    ".msg a{color:inherit}.msg img{max-width:100%;border-radius:6px;display:block;margin-top:4px}.msg.failed{opacity:.6;cursor:pointer}",
    ".note{font-size:12px;color:#4b5563;text-align:center;margin:8px 0}.banner{background:#fef3c7;padding:8px;border-radius:8px;margin:8px 0}",
    "textarea.input{flex:1;resize:none;border:1px solid #d1d5db;border-radius:8px;padding:8px;font-size:14px;height:40px}",
    ".icon{background:none;border:0;font-size:20px;cursor:pointer;padding:6px}.typing{font-size:12px;color:#6b7280;min-height:16px;padding:0 12px}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100%;height:100%;max-height:none;border-radius:0}}"
  ].join("") });
  var launcher = el("button", { "class": "launcher", type: "button", "aria-expanded": "false", hidden: "", onclick: toggle });
  var title = el("b"), subtitle = el("small");
  var body = el("div", { "class": "body", role: "log", "aria-live": "polite" });
  var typingLine = el("div", { "class": "typing" });
  var foot = el("div", { "class": "foot" });
  var panel = el("div", { "class": "panel", hidden: "", role: "dialog" }, [
    el("div", { "class": "head" }, [el("div", {}, [title, subtitle]), el("button", { type: "button", "aria-label": "close", text: "×", onclick: toggle })]),
    body, typingLine, foot
  ]);
  root.appendChild(style); root.appendChild(launcher); root.appendChild(panel);
  (document.body ? Promise.resolve() : new Promise(function (r) { document.addEventListener("DOMContentLoaded", r); }))
    .then(function () { document.body.appendChild(host); });

  function color(node) { if (cfg) node.style.background = cfg.color; return node; }
  function icon(path) { // a 20px line icon (emoji glyphs are missing on some systems)
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), p = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "20"); svg.setAttribute("height", "20");
    p.setAttribute("d", path); p.setAttribute("fill", "none"); p.setAttribute("stroke", "#4b5563"); p.setAttribute("stroke-width", "2");
    p.setAttribute("stroke-linecap", "round"); svg.appendChild(p); return svg;
  }
  var PAPERCLIP = "M21 11l-8.5 8.5a5 5 0 01-7-7L14 4a3.5 3.5 0 015 5l-8.5 8.5a2 2 0 01-3-3L15 7";
  var EXIT = "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10";

  fetch(api("config")).then(function (r) { return r.json(); }).then(function (data) {
    if (data.error) return;
    cfg = data; T = data.strings;
    launcher.textContent = t("open_chat"); color(launcher); color(panel.firstChild);
    launcher.hidden = false; // only once it can do something
    title.textContent = data.name; subtitle.textContent = t("title");
    if (saved.token && !saved.ended) { chatView(); connect(); }
  });

  function toggle() {
    isOpen = panel.hidden;
    panel.hidden = !isOpen;
    launcher.setAttribute("aria-expanded", String(isOpen));
    if (isOpen && !body.firstChild) start();
    if (isOpen) { unread = 0; launcher.textContent = t("open_chat"); seen(); }
  }

  function start() {
    if (saved.token && !saved.ended) { chatView(); connect(); }
    else if (cfg.open) formView(false);
    else formView(true);
  }

  // --- The pre-chat form and the out-of-hours form -------------------------------------------------
  function field(label, input) {
    var err = el("div", { "class": "err", "data-error": input.name });
    return el("div", {}, [el("label", { text: label }), input, err]);
  }
  function formView(closed) {
    body.textContent = ""; foot.textContent = ""; typingLine.textContent = "";
    subtitle.textContent = closed ? t("offline_title") : t("title");
    if (cfg.greeting && !closed) body.appendChild(el("p", { text: cfg.greeting }));
    if (closed) body.appendChild(el("p", { "class": "banner", text: cfg.back ? t("back_at", { when: cfg.back }) : t("no_hours") }));
    var topic = el("select", { name: "topic", required: "" }, [el("option", { value: "", text: t("choose_topic") })]);
    cfg.topics.forEach(function (c) { topic.appendChild(el("option", { value: c.slug, text: c.name })); });
    var form = el("form", { "class": "stack", novalidate: "" }, [
      customer && customer.name ? null : field(t("name"), el("input", { name: "name", autocomplete: "name", required: "" })),
      field(closed ? t("email") : t("contact"), el("input", { name: "contact", type: closed ? "email" : "text", autocomplete: closed ? "email" : "on", value: customer ? customer.email : "" })),
      field(t("order"), el("input", { name: "order_ref" })),
      field(t("topic"), topic),
      closed ? field(t("message"), el("textarea", { name: "text", rows: "4", required: "" })) : null,
      color(el("button", { "class": "btn", type: "submit", text: closed ? t("leave_message") : t("start") }))
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = new FormData(form);
      data.append("language", lang);
      if (saved.token) data.append("previous_token", saved.token);
      if (closed) data.append("client_id", uuid());
      if (customer) Object.keys(customer).forEach(function (k) { data.append("customer_" + k, customer[k]); });
      form.querySelectorAll(".err").forEach(function (n) { n.textContent = ""; });
      fetch(api(closed ? "offline" : "start"), { method: "POST", body: data }).then(function (r) {
        return r.json().then(function (json) { return { status: r.status, json: json }; });
      }).then(function (res) {
        if (res.json.code === "closed") { cfg.open = false; formView(true); return; }
        if (res.status >= 400) {
          var fields = res.json.fields || {};
          Object.keys(fields).forEach(function (name) {
            var n = form.querySelector('[data-error="' + name + '"]'); if (n) n.textContent = fields[name];
          });
          if (!Object.keys(fields).length) form.querySelector(".err").textContent = res.json.error;
          return;
        }
        saved = { token: res.json.token, outbox: [], ended: closed };
        persist();
        if (closed) { body.textContent = ""; body.appendChild(el("p", { "class": "banner", text: res.json.message })); }
        else { chatView(); connect(); }
      });
    });
    body.appendChild(form);
  }

  // --- The conversation --------------------------------------------------------------------------
  var input, banner;
  function chatView() {
    body.textContent = ""; foot.textContent = ""; shown = {}; cursor = 0; earlierShown = false;
    banner = el("div");
    body.appendChild(el("p", { "class": "note", text: t("security") }));
    body.appendChild(banner);
    input = el("textarea", { "class": "input", rows: "1", placeholder: t("type_here"), "aria-label": t("message") });
    input.addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); submit(); } });
    input.addEventListener("input", typing);
    var file = el("input", { type: "file", accept: ".jpg,.jpeg,.png,.pdf", hidden: "" });
    file.addEventListener("change", function () { if (file.files[0]) upload(file.files[0]); file.value = ""; });
    foot.appendChild(el("button", { "class": "icon", type: "button", title: t("attach"), "aria-label": t("attach"), onclick: function () { file.click(); } }, [icon(PAPERCLIP)]));
    foot.appendChild(file); foot.appendChild(input);
    foot.appendChild(color(el("button", { "class": "btn", type: "button", text: t("send"), style: "margin:0", onclick: submit })));
    foot.appendChild(el("button", { "class": "icon end", type: "button", title: t("end"), "aria-label": t("end"), onclick: function () { frame({ type: "end" }); } }, [icon(EXIT)]));
    (saved.outbox || []).forEach(function (m) { bubble({ client_id: m.client_id, from: "visitor", text: m.text, status: "sending", files: [] }); });
  }

  function submit() {
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    var m = { client_id: uuid(), text: text };
    saved.outbox = (saved.outbox || []).concat([m]); persist();
    bubble({ client_id: m.client_id, from: "visitor", text: text, status: "sending", files: [] });
    frame({ type: "message", client_id: m.client_id, text: text });
    typingSent = 0; frame({ type: "typing", on: false });
  }

  function typing() {
    var now = Date.now();
    if (now - typingSent > 3000) { typingSent = now; frame({ type: "typing", on: true }); }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(function () { typingSent = 0; frame({ type: "typing", on: false }); }, 4000);
  }

  function upload(file) {
    if (file.size > cfg.upload.max_bytes) { note(T.attach + ": " + file.name + " > " + Math.round(cfg.upload.max_bytes / 1048576) + " MB"); return; }
    var data = new FormData();
    data.append("token", saved.token); data.append("client_id", uuid()); data.append("file", file);
    fetch(api("upload"), { method: "POST", body: data }).then(function (r) { return r.json(); }).then(function (json) {
      if (json.error) note(json.error); else if (polling) poll();
    });
  }

  function note(text) { body.appendChild(el("p", { "class": "note", text: text })); body.scrollTop = body.scrollHeight; }

  function statusText(m) {
    if (m.status === "sending") return t("sending");
    if (m.status === "failed") return t("failed");
    return m.id && m.id <= (state.agent_read_upto || 0) ? t("read") : t("delivered");
  }

  function bubble(m) {
    var node = (m.id && shown[m.id]) || (m.client_id && shown["c" + m.client_id]);
    var fresh = el("div", { "class": "msg " + m.from, "data-id": m.id || "" });
    if (m.from === "visitor") color(fresh);
    fresh.appendChild(document.createTextNode(m.text));
    (m.files || []).forEach(function (f) {
      var url = base + f.url;
      fresh.appendChild(f.type.indexOf("image/") === 0 ? el("a", { href: url, target: "_blank", rel: "noopener" }, [el("img", { src: url, alt: f.name })]) : el("div", {}, [el("a", { href: url, target: "_blank", rel: "noopener", text: f.name })]));
    });
    fresh.appendChild(el("small", { text: m.from === "visitor" ? statusText(m) : m.author }));
    fresh._m = m;
    if (m.status === "failed") fresh.addEventListener("click", function () { fresh.remove(); frame({ type: "message", client_id: m.client_id, text: m.text }); bubble(Object.assign({}, m, { status: "sending" })); });
    if (node) node.replaceWith(fresh); else body.appendChild(fresh);
    if (m.id) shown[m.id] = fresh;
    if (m.client_id) shown["c" + m.client_id] = fresh;
    body.scrollTop = body.scrollHeight;
  }

  function receive(m) {
    bubble(m);
    if (m.id > cursor) cursor = m.id;
    if (m.client_id) saved.outbox = (saved.outbox || []).filter(function (o) { return o.client_id !== m.client_id; });
    persist();
    if (m.from === "agent" && m.id > lastAgentId) {
      lastAgentId = m.id; typingLine.textContent = ""; seen();
      if (!isOpen) { unread += 1; launcher.textContent = t("open_chat") + " (" + unread + ")"; }
    }
  }

  function seen() {
    if (lastAgentId) frame({ type: "seen", upto: lastAgentId, read: isOpen && document.visibilityState === "visible" });
  }
  document.addEventListener("visibilitychange", seen);

  function applyState(s) {
    state = s;
    subtitle.textContent = s.ended ? t("ended") : s.agent ? t("joined", { name: s.agent }) : t("waiting");
    Object.keys(shown).forEach(function (k) { var n = shown[k]; if (n._m && n._m.from === "visitor" && n._m.id) n.lastChild.textContent = statusText(n._m); });
    if (!banner) return;
    // Rebuilt only when it changes, so a half-typed message in the form survives the next update.
    var kind = s.ended ? "ended" : s.mode === "offline" ? "offline" : s.offer_leave_message ? "offer" : "";
    if (kind === banner.dataset.kind) return;
    banner.dataset.kind = kind;
    banner.textContent = "";
    if (kind === "offline") banner.appendChild(el("p", { "class": "banner", text: t("left_message", { email: s.email }) }));
    else if (kind === "offer") banner.appendChild(leaveForm(s));
    else if (kind === "ended") endedView(s);
  }

  function leaveForm(s) {
    var email = el("input", { name: "email", type: "email", value: s.email || "", placeholder: t("email") });
    var text = el("textarea", { name: "text", rows: "2", placeholder: t("message") });
    var form = el("form", { "class": "stack banner" }, [el("p", { text: t("no_answer") }), email, text, color(el("button", { "class": "btn", type: "submit", text: t("leave_message") }))]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      frame({ type: "leave_message", client_id: uuid(), email: email.value, text: text.value || t("leave_message") });
    });
    return form;
  }

  function endedView(s) {
    saved.ended = true; persist();
    foot.textContent = ""; typingLine.textContent = "";
    var email = el("input", { name: "email", type: "email", value: s.email || "", placeholder: t("email") });
    var result = el("p", { "class": "note" });
    var form = el("form", { "class": "stack" }, [el("p", { "class": "note", text: t("ended") }), email, color(el("button", { "class": "btn", type: "submit", text: t("transcript") })), result]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = new FormData(); data.append("token", saved.token); data.append("email", email.value);
      fetch(api("transcript"), { method: "POST", body: data }).then(function (r) { return r.json(); })
        .then(function (json) { result.textContent = json.message || json.error; });
    });
    body.appendChild(form);
    body.appendChild(color(el("button", { "class": "btn", type: "button", text: t("new_chat"), onclick: function () { close(); formView(!cfg.open); } })));
    body.scrollTop = body.scrollHeight;
  }

  // --- Transport: WebSocket, or polling over HTTP when a socket cannot be opened or keeps dropping ---
  // A handshake that hangs is given up after CONNECT_TIMEOUT. Two failed opens in a row, or
  // DROPS_BEFORE_POLLING drops within DROP_WINDOW, switch to polling; while polling, a socket is tried
  // again every PROBE_EVERY and polling stops once one opens.
  function recentDrops() {
    var now = Date.now();
    drops = drops.filter(function (at) { return now - at < DROP_WINDOW; });
    return drops.length;
  }

  function connect() {
    if (socket && socket.readyState < 2) return;
    if (!("WebSocket" in window)) { startPolling(); return; }
    if (!polling && (failures >= 2 || recentDrops() >= DROPS_BEFORE_POLLING)) { startPolling(); return; }
    var ws = socket = new WebSocket(base.replace(/^http/, "ws") + cfg.socket), wasOpen = false;
    var timeout = setTimeout(function () { if (ws.readyState === 0) ws.close(); }, CONNECT_TIMEOUT);
    ws.onopen = function () {
      clearTimeout(timeout);
      wasOpen = true; failures = 0;
      stopPolling();
      ws.send(JSON.stringify({ type: "hello", token: saved.token, after: cursor }));
      (saved.outbox || []).forEach(function (m) { frame({ type: "message", client_id: m.client_id, text: m.text }); });
      clearInterval(pinger); pinger = setInterval(function () { frame({ type: "ping" }); }, 25000);
    };
    ws.onmessage = function (e) { handle(JSON.parse(e.data)); };
    ws.onclose = function (e) {
      clearTimeout(timeout);
      if (socket !== ws) return; // closed on purpose (close()), or replaced
      clearInterval(pinger); socket = null;
      if (e.code === 4401 || e.code === 4403 || saved.ended) return;
      if (wasOpen) drops.push(Date.now()); else failures += 1;
      if (polling) return; // polling carries the chat; the next probe tries a socket again
      if (banner) note(t("reconnecting"));
      setTimeout(connect, Math.min(15000, 500 * Math.pow(2, failures + recentDrops())));
    };
  }

  function close() {
    if (socket) { var s = socket; socket = null; s.close(); }
    stopPolling(); clearInterval(pinger);
  }

  function startPolling() {
    if (polling) return;
    note(t("offline_mode"));
    polling = setInterval(poll, 3000);
    if ("WebSocket" in window) probe = setInterval(connect, PROBE_EVERY);
    (saved.outbox || []).forEach(function (m) { frame({ type: "message", client_id: m.client_id, text: m.text }); });
    poll();
  }

  function stopPolling() { clearInterval(polling); clearInterval(probe); polling = probe = null; }

  function poll() { rpc({ type: "poll" }); }

  function earlier(flag) {
    if (!flag || earlierShown || !banner) return;
    earlierShown = true;
    banner.parentNode.insertBefore(el("p", { "class": "note", text: t("earlier") }), banner);
  }

  function rpc(f) {
    return fetch(api("rpc"), { method: "POST", body: JSON.stringify({ token: saved.token, after: cursor, frame: f }) })
      .then(function (r) { return r.json(); })
      .then(function (json) {
        if (json.code === "unauthorised") { handle({ type: "error", code: "unauthorised", message: json.error }); return; }
        if (json.error) { handle({ type: "error", code: json.code || "bad_request", message: json.error, client_id: json.client_id }); return; }
        earlier(json.earlier);
        (json.replies || []).forEach(handle);
        (json.messages || []).forEach(function (m) { handle({ type: "message", message: m }); });
        handle({ type: "state", state: json.state });
        if (json.typing) handle({ type: "typing", name: json.typing.name, on: json.typing.on });
      });
  }

  function frame(f) {
    if (!saved.token) return;
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(f));
    else if (polling && f.type !== "ping") rpc(f);
  }

  function handle(msg) {
    if (msg.type === "welcome" || msg.type === "state") { applyState(msg.state); earlier(msg.earlier); }
    else if (msg.type === "message") receive(msg.message);
    else if (msg.type === "ack") { saved.outbox = (saved.outbox || []).filter(function (o) { return o.client_id !== msg.client_id; }); persist(); }
    else if (msg.type === "typing") typingLine.textContent = msg.on ? t("typing", { name: msg.name }) : "";
    else if (msg.type === "read") { state.agent_read_upto = Math.max(state.agent_read_upto || 0, msg.upto); applyState(state); }
    else if (msg.type === "error" && msg.code === "unauthorised") { saved = {}; persist(); close(); formView(!cfg.open); note(msg.message); }
    else if (msg.type === "error") {
      if (msg.client_id) {
        saved.outbox = (saved.outbox || []).filter(function (o) { return o.client_id !== msg.client_id; }); persist();
        var n = shown["c" + msg.client_id]; if (n) bubble(Object.assign({}, n._m, { status: "failed" }));
      }
      note(msg.message);
    }
  }
})();
