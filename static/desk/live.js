/* SupportDesk live updates for desk pages (templates/desk/_live.html includes this).
 *
 * Listens on the workspace socket (/ws/desk/). When the desk's ticket page hears that its ticket changed,
 * it fetches only the parts the change touched (tickets.live: "messages" after the last one shown,
 * appended; new timeline entries, put on top; the header and properties, the queue counts) from the
 * ticket's parts URL, and only when the change's state fingerprint differs from the page's the header.
 * Other pages re-fetch the server-rendered fragments that show the ticket (elements with
 * data-live-ticket / data-live-inbox and a data-live-src URL) and swap them in. Shows who else is viewing
 * or replying to the ticket, the chat visitor typing, and lets the agent set their presence. Without a
 * socket it falls back to re-fetching every 20 seconds.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.SupportDeskLive) return;
  var cfg = script.dataset;
  var me = Number(cfg.user);
  var ticket = cfg.ticket ? Number(cfg.ticket) : null;
  var partsUrl = cfg.parts || ""; // the desk's ticket page: fetch parts, not the page
  var inboxes = cfg.inbox ? cfg.inbox.split(",") : [];
  var socket = null, opened = false, failures = 0, pingTimer = null, pollTimer = null;
  var viewers = {}; // socket channel -> {user, name, state, at}
  var pending = {}; // element key -> timer
  var replying = false, replyIdle = null, typingTimer = null;

  function qsa(selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); }

  function send(frame) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(frame)); return true; }
    return false;
  }

  function connect() {
    if (!("WebSocket" in window)) { startPolling(); return; }
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + cfg.socket;
    socket = new WebSocket(url);
    socket.onopen = function () {
      var reconnected = opened;
      opened = true; failures = 0;
      setStatus(true);
      stopPolling();
      if (ticket) send({ type: "watch", ticket: ticket });
      if (inboxes.length) send({ type: "inbox", scopes: inboxes });
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({ type: "ping" }); expireViewers(); }, 25000);
      // Events sent between the page's rendering and this moment were missed (a reply's delivery
      // status right after the page reloaded, say): fetch once. After a reconnect, for the same reason.
      refreshAll();
      if (!reconnected) markSeen();
    };
    socket.onmessage = function (event) { handle(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      clearInterval(pingTimer);
      if (event.code === 4403) { setStatus(false); return; } // not an agent: do not retry
      failures += 1;
      setStatus(false);
      if (!opened && failures >= 3) startPolling();
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, failures - 1)));
    };
  }

  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(refreshAll, 20000);
  }

  function stopPolling() { clearInterval(pollTimer); pollTimer = null; }

  function setStatus(live) {
    qsa("[data-live-status]").forEach(function (el) { el.hidden = live; });
  }

  function handle(msg) {
    if (msg.type === "changed") {
      var moved = stateMoved(msg);
      if (partsUrl && msg.ticket === ticket) {
        fetchParts(msg.parts.concat(moved ? ["head", "nav"] : []));
      } else {
        qsa('[data-live-ticket="' + msg.ticket + '"][data-live-src]').forEach(refreshSoon);
      }
      qsa("[data-live-inbox][data-live-src]").forEach(function (el) {
        if (el.dataset.liveInbox === "counts") { // the queue counts: only a status, assignee... moves them
          if (!moved) return;
          if (partsUrl) { fetchParts(["nav"]); return; }
        }
        refreshSoon(el);
      });
    } else if (msg.type === "viewer") {
      if (msg.state === "left") delete viewers[msg.channel];
      else viewers[msg.channel] = { user: msg.user, name: msg.name, state: msg.state, at: Date.now() };
      renderViewers();
    } else if (msg.type === "typing" && msg.who === "visitor") {
      qsa('[data-live-typing="' + msg.ticket + '"]').forEach(function (el) {
        el.hidden = !msg.on;
        clearTimeout(typingTimer);
        if (msg.on) typingTimer = setTimeout(function () { el.hidden = true; }, 6000);
      });
    } else if (msg.type === "presence") {
      if (msg.user === me) qsa("[data-live-presence]").forEach(function (el) { el.value = msg.status; });
      qsa("[data-live-presence-board][data-live-src]").forEach(refreshSoon);
    } else if (msg.type === "hello") {
      qsa("[data-live-presence]").forEach(function (el) { el.value = msg.presence; });
    }
  }

  // Whether a change moved what the header and the queue counts show (its state fingerprint differs from
  // the last one this page saw for the ticket; an event without one moves nothing).
  var states = {};
  function stateMoved(msg) {
    if (!msg.state) return false;
    if (!(msg.ticket in states) && msg.ticket === ticket) {
      var head = document.querySelector("[data-live-part=head][data-live-state]");
      if (head) states[ticket] = head.dataset.liveState;
    }
    var moved = states[msg.ticket] !== msg.state;
    states[msg.ticket] = msg.state;
    return moved;
  }

  // Parts of the ticket page ------------------------------------------------------------------------
  // One request at a time: what is asked for meanwhile goes in the next one, so a burst of changes costs
  // two requests, and a single message is fetched at once (no waiting to coalesce).
  var wanted = {}, inflight = false;

  function part(name) { return document.querySelector('[data-live-part="' + name + '"]'); }

  function fetchParts(names) {
    names.forEach(function (name) { wanted[name] = true; });
    if (!inflight) setTimeout(sendParts, 0);
  }

  function sendParts() {
    var names = Object.keys(wanted);
    if (inflight || !names.length) return;
    wanted = {};
    inflight = true;
    var conversation = part("conversation"), timeline = part("timeline");
    var query = "?parts=" + names.join(",") +
      "&after=" + (conversation ? conversation.dataset.lastMessageId || 0 : 0) +
      "&events_after=" + (timeline ? timeline.dataset.lastEventId || 0 : 0);
    fetch(partsUrl + query, { credentials: "same-origin", headers: { "X-Requested-With": "live" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) { applyParts(new DOMParser().parseFromString(html, "text/html")); markSeen(); })
      .catch(function () { /* the next event or poll tries again */ })
      .finally(function () { inflight = false; sendParts(); });
  }

  function applyParts(doc) {
    Array.prototype.forEach.call(doc.querySelectorAll("body > [id]"), function (fresh) {
      var current = document.getElementById(fresh.id);
      if (!current) return;
      if (editing(current)) { stale[current.id] = true; return; }
      delete stale[current.id];
      swap(current, fresh);
    });
    var added = doc.querySelector("[data-live-append=conversation]");
    var conversation = part("conversation");
    if (added && conversation) {
      var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
      var before = conversation.querySelector(".chat-state");
      Array.prototype.slice.call(added.children).forEach(function (message) {
        var existing = message.id && document.getElementById(message.id);
        if (existing) { existing.replaceWith(message); return; }
        conversation.insertBefore(message, before);
      });
      var empty = conversation.querySelector("[data-live-empty]");
      if (empty && conversation.querySelector(".msg")) empty.remove();
      if (Number(added.dataset.lastMessageId) > Number(conversation.dataset.lastMessageId || 0)) {
        conversation.dataset.lastMessageId = added.dataset.lastMessageId;
      }
      if (atBottom) window.scrollTo(0, document.body.scrollHeight);
    }
    var entries = doc.querySelector("[data-live-prepend=ticket-timeline]");
    var timeline = part("timeline");
    var list = timeline && timeline.querySelector("ol");
    if (entries && list) {
      Array.prototype.slice.call(entries.children).reverse().forEach(function (entry) { list.prepend(entry); });
      if (Number(entries.dataset.lastEventId) > Number(timeline.dataset.lastEventId || 0)) {
        timeline.dataset.lastEventId = entries.dataset.lastEventId;
      }
    }
  }

  // Fragments -------------------------------------------------------------------------------------
  // Changes arrive in bursts (a message, then its delivery status): wait a moment, then fetch each source
  // once and swap every element that asked for it. An empty data-live-src means "this page".
  var pending = {}; // src -> {keys, timer}
  var stale = {};   // key -> true: skipped because the agent was editing inside it

  function keyOf(el) { return el.id || el.dataset.liveSrc || ""; }

  function refreshSoon(el) {
    // Inside a list that is itself about to be re-fetched: the list brings the new row.
    var outer = el.parentElement && el.parentElement.closest("[data-live-src]");
    if (outer && outer !== el) { refreshSoon(outer); return; }
    var src = el.dataset.liveSrc || "";
    var batch = pending[src];
    if (!batch) {
      batch = pending[src] = { keys: {} };
      batch.timer = setTimeout(function () { delete pending[src]; refresh(src, Object.keys(batch.keys)); }, 250);
    }
    batch.keys[keyOf(el)] = true;
  }

  function find(key) {
    return document.getElementById(key) || document.querySelector('[data-live-src="' + CSS.escape(key) + '"]');
  }

  function changed(field) {
    if (field.matches("select")) {
      return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    if (field.matches("input[type=checkbox], input[type=radio]")) return field.checked !== field.defaultChecked;
    return field.type !== "hidden" && field.type !== "file" && field.value !== field.defaultValue;
  }

  function editing(el) {
    // A field the agent is in or has changed and not saved (a property, an escalation reason):
    // swapping would lose their input.
    var active = document.activeElement;
    if (active && el.contains(active) && active.matches("input, select, textarea")) return true;
    return Array.prototype.some.call(el.querySelectorAll("input, select, textarea"), changed);
  }

  function refresh(src, keys) {
    fetch(src || location.href, { credentials: "same-origin", headers: { "X-Requested-With": "live" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        keys.forEach(function (key) {
          var current = find(key);
          if (!current) return;
          var fresh = (current.id && doc.getElementById(current.id)) || (src ? doc.body.firstElementChild : null);
          if (!fresh) return;
          if (editing(current)) { stale[key] = true; return; }
          delete stale[key];
          swap(current, fresh);
        });
        markSeen();
      })
      .catch(function () { /* the next event or poll tries again */ });
  }

  function swap(current, fresh) {
    var atBottom = current.scrollHeight - current.scrollTop - current.clientHeight < 40;
    var pageBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    current.replaceWith(fresh);
    if (atBottom) fresh.scrollTop = fresh.scrollHeight;
    if (pageBottom && fresh.matches(".sd-conversation, [data-last-message-id]")) window.scrollTo(0, document.body.scrollHeight);
    document.dispatchEvent(new CustomEvent("sd:swapped", { detail: fresh }));
  }

  // Once the agent leaves the field they were editing, bring skipped fragments up to date.
  document.addEventListener("focusout", function () {
    setTimeout(function () {
      Object.keys(stale).forEach(function (key) {
        var el = find(key);
        if (!el || editing(el)) return;
        if (partsUrl && el.dataset.livePart) fetchParts([el.dataset.livePart]);
        else refreshSoon(el);
      });
    }, 0);
  });

  function refreshAll() {
    var selector = "[data-live-ticket][data-live-src], [data-live-inbox][data-live-src], [data-live-presence-board][data-live-src]";
    if (partsUrl) {
      // Whatever changed while nobody listened (a delivery mark right after a reload): every part.
      fetchParts(["conversation", "timeline", "head", "nav"]);
      selector = selector.split(", ").map(function (s) { return s + ":not([data-live-part])"; }).join(", ");
    }
    qsa(selector).forEach(refreshSoon);
  }

  function markSeen() {
    if (!ticket || document.visibilityState !== "visible") return;
    var conversation = document.querySelector('[data-live-ticket="' + ticket + '"][data-last-message-id]');
    if (conversation) send({ type: "seen", ticket: ticket, upto: Number(conversation.dataset.lastMessageId) });
  }

  // Collision detection -----------------------------------------------------------------------------
  function expireViewers() {
    var cutoff = Date.now() - 70000;
    Object.keys(viewers).forEach(function (channel) { if (viewers[channel].at < cutoff) delete viewers[channel]; });
    renderViewers();
  }

  function renderViewers() {
    var watching = {}, typing = {};
    Object.keys(viewers).forEach(function (channel) {
      var v = viewers[channel];
      if (v.user === me) return;
      (v.state === "replying" ? typing : watching)[v.user] = v.name;
    });
    Object.keys(typing).forEach(function (user) { delete watching[user]; });
    var parts = [];
    var names = function (map) { return Object.keys(map).map(function (k) { return map[k]; }).join(", "); };
    if (Object.keys(typing).length) parts.push(cfg.tReplying.replace("%(names)s", names(typing)));
    if (Object.keys(watching).length) parts.push(cfg.tViewing.replace("%(names)s", names(watching)));
    qsa("[data-live-viewers]").forEach(function (el) {
      el.textContent = parts.join(" · ");
      el.classList.toggle("sd-collision", Object.keys(typing).length > 0);
    });
  }

  function setReplying(on) {
    if (on === replying) return;
    replying = on;
    send({ type: "replying", on: on });
  }

  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-live-reply]")) return;
    setReplying(event.target.value.trim() !== "");
    clearTimeout(replyIdle);
    replyIdle = setTimeout(function () { setReplying(false); }, 8000);
  });
  document.addEventListener("submit", function () { setReplying(false); });

  // Presence --------------------------------------------------------------------------------------
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("[data-live-presence]")) return;
    var status = event.target.value;
    if (send({ type: "presence", status: status })) return;
    var body = new URLSearchParams({ status: status });
    fetch(cfg.presenceUrl, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": cfg.csrf }
    });
  });

  document.addEventListener("visibilitychange", markSeen);
  window.SupportDeskLive = { refreshAll: refreshAll };
  connect();
})();
