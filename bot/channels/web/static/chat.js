// The web chat, better with JavaScript: messages sent and shown without reloading, live answers and staff
// replies over Server-Sent Events, and display settings remembered in this browser. Without it, every
// form still works by posting and drawing the page again.
"use strict";

(function () {
  var root = document.documentElement;
  var SCALES = ["100", "125", "150", "175", "200"];
  var WHO = { resident: "您", staff: "工作人员", bot: "助手" };

  function remembered(name) {
    try { return window.localStorage.getItem("chat-" + name); } catch (e) { return null; }
  }
  function remember(name, value) {
    try { window.localStorage.setItem("chat-" + name, value); } catch (e) { /* private mode: not kept */ }
  }

  // Display settings: A-/A+ (100 % to 200 %), high contrast, 大字/长辈 mode.
  function applyDisplay() {
    var scale = remembered("scale") || "100";
    if (SCALES.indexOf(scale) < 0) { scale = "100"; }
    root.setAttribute("data-scale", scale);
    var contrast = remembered("contrast") === "on";
    var elder = remembered("elder") === "on";
    root.classList.toggle("contrast", contrast);
    root.classList.toggle("elder", elder);
    var contrastButton = document.getElementById("contrast");
    var elderButton = document.getElementById("elder");
    if (contrastButton) { contrastButton.setAttribute("aria-pressed", String(contrast)); }
    if (elderButton) { elderButton.setAttribute("aria-pressed", String(elder)); }
  }
  function step(by) {
    var index = SCALES.indexOf(root.getAttribute("data-scale") || "100") + by;
    index = Math.max(0, Math.min(SCALES.length - 1, index));
    remember("scale", SCALES[index]);
    applyDisplay();
    say("字号" + SCALES[index] + "%");
  }
  function toggle(name, label) {
    var on = remembered(name) !== "on";
    remember(name, on ? "on" : "off");
    applyDisplay();
    say(label + (on ? "已打开" : "已关闭"));
  }
  applyDisplay();

  var status = null;
  function say(text) {
    if (!status) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  var shown = {};
  var last = 0;
  function addEntry(entry) {
    if (shown[entry.n]) { return; }
    shown[entry.n] = true;
    last = Math.max(last, entry.n);
    var list = document.getElementById("entries");
    var empty = document.getElementById("empty");
    if (empty) { empty.parentNode.removeChild(empty); }
    var previous = document.getElementById("latest");
    if (previous) { previous.removeAttribute("id"); }
    var item = document.createElement("li");
    item.className = "entry " + entry.who;
    item.setAttribute("data-n", String(entry.n));
    item.id = "latest";
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = (WHO[entry.who] || "助手") + "：";
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = entry.text;
    item.appendChild(who);
    item.appendChild(text);
    if (entry.audio) {
      var audio = document.createElement("audio");
      audio.controls = true;
      audio.preload = "none";
      audio.src = "/chat/audio/" + encodeURIComponent(entry.audio);
      item.appendChild(audio);
      // Spoken answers play by themselves only for a resident who asked for voice.
      if (remembered("voice") === "on") {
        var playing = audio.play();
        if (playing && playing.catch) { playing.catch(function () { /* the browser wants a gesture first */ }); }
      }
    }
    list.appendChild(item);
    if (item.scrollIntoView) { item.scrollIntoView({ block: "nearest" }); }
  }

  function post(form, extra) {
    var data = new FormData(form);
    if (extra) { data.append(extra.name, extra.value); }
    return window.fetch(form.getAttribute("action"), {
      method: "POST",
      body: new URLSearchParams(data),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  function handleAnswer(result, box) {
    if (!result.ok) {
      say(result.body && result.body.error ? result.body.error.message : "没有发出去，请再发一次。");
      return;
    }
    (result.body.entries || []).forEach(addEntry);
    say(result.body.notice || "");
    var id = document.querySelector("#send input[name=message_id]");
    if (id && result.body.message_id) { id.value = result.body.message_id; }
    if (box) { box.value = ""; }
  }

  function listen() {
    if (!window.EventSource) { return; }
    var source = new window.EventSource("/chat/events?after=" + last);
    source.addEventListener("entry", function (event) {
      try { addEntry(JSON.parse(event.data)); } catch (e) { /* a broken event is skipped */ }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    status = document.getElementById("status");
    var display = document.getElementById("display");
    if (display) { display.hidden = false; }
    document.getElementById("smaller").addEventListener("click", function () { step(-1); });
    document.getElementById("larger").addEventListener("click", function () { step(1); });
    document.getElementById("contrast").addEventListener("click", function () { toggle("contrast", "高对比度"); });
    document.getElementById("elder").addEventListener("click", function () { toggle("elder", "大字模式"); });

    Array.prototype.forEach.call(document.querySelectorAll("#entries li"), function (item) {
      var n = Number(item.getAttribute("data-n"));
      shown[n] = true;
      last = Math.max(last, n);
    });

    var form = document.getElementById("send");
    var box = document.getElementById("text");
    var sending = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) { return; }
      if (!box.value.trim()) { say("请先写下您要说的话，再发送。"); box.focus(); return; }
      sending = true;
      say("正在发送");
      post(form).then(function (result) { handleAnswer(result, box); })
        .catch(function () { say("网络不通，没有发出去。请再发一次。"); })
        .then(function () { sending = false; box.focus(); });
    });
    box.addEventListener("keydown", function (event) {
      // Enter sends, Shift+Enter starts a new line (not while an input method is composing).
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    });

    var modes = document.querySelector("form.modes");
    modes.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      if (!button) { return; }
      remember("voice", button.value === "语音模式" ? "on" : "off");
      post(modes, { name: button.name, value: button.value }).then(function (result) { handleAnswer(result, null); })
        .catch(function () { say("网络不通，没有发出去。请再发一次。"); });
    });

    setUpRecorder();
    listen();
  });

  // The microphone button: one press (or Space) starts, the next stops and sends the recording.
  function setUpRecorder() {
    var form = document.getElementById("voice");
    var button = document.getElementById("record");
    if (!form || !button || !window.MediaRecorder || !navigator.mediaDevices) { return; }
    form.hidden = false;
    var recorder = null;
    var chunks = [];
    button.addEventListener("click", function () {
      if (recorder && recorder.state === "recording") { recorder.stop(); return; }
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        var type = window.MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
        recorder = type ? new window.MediaRecorder(stream, { mimeType: type }) : new window.MediaRecorder(stream);
        chunks = [];
        recorder.addEventListener("dataavailable", function (event) { if (event.data.size) { chunks.push(event.data); } });
        recorder.addEventListener("stop", function () {
          stream.getTracks().forEach(function (track) { track.stop(); });
          button.setAttribute("aria-pressed", "false");
          button.textContent = "点一下开始说话";
          remember("voice", "on");
          var data = new FormData(form);
          data.append("audio", new Blob(chunks, { type: recorder.mimeType || "audio/webm" }), "voice.webm");
          say("正在发送语音");
          window.fetch(form.getAttribute("action"), {
            method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
          }).then(function (response) {
            return response.json().then(function (body) { return { ok: response.ok, body: body }; });
          }).then(function (result) {
            handleAnswer(result, null);
            var id = form.querySelector("input[name=message_id]");
            if (id && result.ok && result.body.message_id) { id.value = result.body.message_id + "-v"; }
          }).catch(function () { say("网络不通，语音没有发出去。请再说一次。"); });
        });
        recorder.start();
        button.setAttribute("aria-pressed", "true");
        button.textContent = "点一下结束说话";
        say("正在录音，说完再点一下");
      }).catch(function () { say("用不了麦克风。请允许使用麦克风，或者打字告诉我。"); });
    });
  }
})();
