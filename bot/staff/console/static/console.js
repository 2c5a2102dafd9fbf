// The console works without this file; it adds live queue updates, keyboard shortcuts and canned-reply search.
(function () {
  "use strict";

  // Alt+Shift+letter only: single letters belong to screen readers' browse mode.
  var shortcuts = { KeyQ: "q", KeyN: "n", KeyS: "s", KeyR: "r", KeyH: "h" };
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
    var key = shortcuts[event.code];
    if (!key) return;
    var target = document.querySelector('[data-shortcut="' + key + '"]');
    if (!target) {
      if (key === "q") window.location.href = "/staff/";
      else if (key === "h") window.location.href = "/staff/help";
      return;
    }
    event.preventDefault();
    if (target.tagName === "A") window.location.href = target.getAttribute("href");
    else target.focus();
  });

  // Canned replies: "/" and a keyword in the reply box lists the matching ones; the list below the box
  // and the "放进回复框" button put one in without reloading the page.
  var reply = document.getElementById("reply-text");
  var picker = document.getElementById("canned");
  var matches = document.getElementById("canned-matches");
  var cannedStatus = document.getElementById("canned-status");
  if (reply && picker && matches && cannedStatus) {
    var canned = Array.prototype.map.call(picker.options, function (option) {
      return { title: option.getAttribute("data-title") || "", text: option.getAttribute("data-text") || "" };
    });

    var put = function (text) {
      var current = reply.value;
      if (current.charAt(0) === "/" || !current.trim()) reply.value = text;
      else reply.value = current.replace(/\s+$/, "") + "\n" + text;
      closeMatches();
      reply.focus();
      reply.setSelectionRange(reply.value.length, reply.value.length);
      cannedStatus.textContent = "已放进回复框，可以改了再发送。";
    };

    var closeMatches = function () {
      matches.hidden = true;
      matches.replaceChildren();
    };

    var buttons = function () { return Array.prototype.slice.call(matches.querySelectorAll("button")); };

    var showMatches = function () {
      var value = reply.value;
      if (value.charAt(0) !== "/" || value.indexOf("\n") !== -1) {
        if (!matches.hidden) { closeMatches(); cannedStatus.textContent = ""; }
        return;
      }
      var words = value.slice(1).trim();
      var found = canned.filter(function (item) {
        return !words || item.title.indexOf(words) !== -1 || item.text.indexOf(words) !== -1;
      }).slice(0, 8);
      var list = document.createElement("ul");
      list.setAttribute("aria-label", "找到的常用回复");
      found.forEach(function (item) {
        var entry = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = item.title + "：" + item.text;
        button.addEventListener("click", function () { put(item.text); });
        entry.appendChild(button);
        list.appendChild(entry);
      });
      matches.replaceChildren(list);
      matches.hidden = found.length === 0;
      cannedStatus.textContent = found.length
        ? "找到 " + found.length + " 条常用回复，按下箭头选择，按 Esc 返回。"
        : "没有找到这样的常用回复。";
    };

    reply.addEventListener("input", showMatches);
    reply.addEventListener("keydown", function (event) {
      if (matches.hidden) return;
      if (event.key === "ArrowDown") {
        var first = buttons()[0];
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeMatches();
        cannedStatus.textContent = "";
      }
    });
    matches.addEventListener("keydown", function (event) {
      var all = buttons();
      var at = all.indexOf(document.activeElement);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var next = at + (event.key === "ArrowDown" ? 1 : -1);
        if (next < 0) reply.focus();
        else if (next < all.length) all[next].focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeMatches();
        cannedStatus.textContent = "";
        reply.focus();
      }
    });
    var cannedForm = document.getElementById("canned-form");
    if (cannedForm) {
      cannedForm.addEventListener("submit", function (event) {
        event.preventDefault();
        put(canned[picker.selectedIndex].text);
      });
    }
  }

  // The browser scrolls a focused control into view only when none of it shows: a tall box half below
  // the window is moved up so the whole of it, and its focus ring, can be seen.
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (!target || !target.getBoundingClientRect) return;
    var box = target.getBoundingClientRect();
    var room = 16; // the focus ring and a little space around it
    if (box.bottom + room > window.innerHeight && box.height + 2 * room < window.innerHeight) {
      window.scrollBy(0, box.bottom + room - window.innerHeight);
    } else if (box.top - room < 0) {
      window.scrollBy(0, box.top - room);
    }
  });

  // The case page: a change to this case (a reply delivered later, a claim by someone else) is said,
  // with a link to load the page again; never reloaded under the staff member's typing.
  var caseLive = document.getElementById("case-live");
  if (caseLive && window.EventSource) {
    var caseId = Number(caseLive.getAttribute("data-case-id"));
    var caseSource = new EventSource("/staff/events");
    caseSource.addEventListener("case", function (event) {
      var change;
      try { change = JSON.parse(event.data); } catch (error) { return; }
      if (change.case_id !== caseId) return;
      var again = document.createElement("a");
      again.href = window.location.pathname;
      again.textContent = "重新载入这一页";
      caseLive.replaceChildren(document.createTextNode(change.message + " "), again);
    });
  }

  var queue = document.getElementById("queue");
  var live = document.getElementById("live");
  if (!queue || !live || !window.EventSource || !window.fetch) return;

  var listUrl = queue.getAttribute("data-list-url");
  var pending = false;
  var again = false;
  var timer = null;

  // A burst of changes is one fetch of the list: wait a moment, and fetch once more after a fetch
  // in flight if changes came meanwhile (none is ever skipped).
  function soon() {
    if (timer !== null) return;
    timer = window.setTimeout(function () { timer = null; refresh(); }, 300);
  }

  function done() {
    pending = false;
    if (again) { again = false; soon(); }
  }

  function refresh() {
    if (pending) { again = true; return; }
    pending = true;
    fetch(listUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null) {
          var focusedId = document.activeElement && queue.contains(document.activeElement) ? document.activeElement.id : "";
          var parsed = new DOMParser().parseFromString(html, "text/html");
          queue.replaceChildren.apply(queue, Array.prototype.slice.call(parsed.body.childNodes));
          if (focusedId) {
            var kept = document.getElementById(focusedId);
            if (kept) kept.focus();
            else { var title = document.getElementById("queue-title"); if (title) { title.tabIndex = -1; title.focus(); } }
          }
        }
        done();
      })
      .catch(done);
  }

  function heard(event) {
    var change;
    try { change = JSON.parse(event.data); } catch (error) { return; }
    live.textContent = change.message;
    soon();
  }

  var source = new EventSource("/staff/events");
  source.addEventListener("case", heard);
  // The page fell behind and some changes were let go: the whole list is fetched again.
  source.addEventListener("reload", heard);
})();
