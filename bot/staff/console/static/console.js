// The console works without this file; it adds live queue updates and keyboard shortcuts.
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

  var queue = document.getElementById("queue");
  var live = document.getElementById("live");
  if (!queue || !live || !window.EventSource || !window.fetch) return;

  var listUrl = queue.getAttribute("data-list-url");
  var pending = false;

  function refresh() {
    if (pending) return;
    pending = true;
    fetch(listUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        pending = false;
        if (html === null) return;
        var focusedId = document.activeElement && queue.contains(document.activeElement) ? document.activeElement.id : "";
        var parsed = new DOMParser().parseFromString(html, "text/html");
        queue.replaceChildren.apply(queue, Array.prototype.slice.call(parsed.body.childNodes));
        if (focusedId) {
          var again = document.getElementById(focusedId);
          if (again) again.focus();
          else { var title = document.getElementById("queue-title"); if (title) { title.tabIndex = -1; title.focus(); } }
        }
      })
      .catch(function () { pending = false; });
  }

  var source = new EventSource("/staff/events");
  source.addEventListener("case", function (event) {
    var change;
    try { change = JSON.parse(event.data); } catch (error) { return; }
    live.textContent = change.message;
    refresh();
  });
})();
