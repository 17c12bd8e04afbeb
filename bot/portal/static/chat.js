/* The family chat page, made livelier. Without this file the page still works: its two
   forms post to /chat/{token} and the page comes back with the next question.

   Rules kept here: every word is added as text (textContent), never as HTML; nothing is
   kept in localStorage, sessionStorage or cookies; no request leaves this site. */
(function () {
  "use strict";

  // Leave this page quickly: the button, or Escape twice. replace() so Back cannot return.
  var exit = document.getElementById("quick-exit");
  var exitUrl = (exit && exit.getAttribute("data-url")) || "https://www.bbc.co.uk/weather";
  var lastEscape = 0;

  function leave() {
    var main = document.getElementById("main");
    if (main) { main.textContent = ""; }
    document.title = "";
    window.location.replace(exitUrl);
  }

  if (exit) {
    exit.addEventListener("click", function (event) {
      event.preventDefault();
      leave();
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    var now = Date.now();
    if (now - lastEscape < 2000) {
      event.preventDefault();
      leave();
    }
    lastEscape = now;
  });

  var chat = document.getElementById("chat");
  if (!chat || !window.fetch) { return; }  // a notice page, or too old a browser: plain forms

  var endpoint = chat.getAttribute("data-endpoint");
  var submitted = chat.getAttribute("data-submitted") === "yes";
  var log = document.getElementById("log");
  var problem = document.getElementById("problem");
  var progress = document.getElementById("progress");
  var choicesForm = document.getElementById("choices");
  var choiceGroup = choicesForm.querySelector(".choice-buttons");
  var reply = document.getElementById("reply");
  var box = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var sending = document.getElementById("sending");
  var houses = document.querySelectorAll(".house");
  // Easy Read: the page's own pictures (a <template>), one beside each of MapBot's messages.
  var pictures = document.getElementById("easy-pictures");

  var CARRY_ON = {title: "Carry on", payload: "Hello", shown: "Hello"};
  var TYPING_CHOICES = ["/skip", "/stop", "/deny"];  // with these, the question wants words
  var NETWORK = "We could not reach MapBot. Please check your internet connection. " +
    "What you wrote is still here.";
  var NETWORK_CHOICE = "We could not reach MapBot. Please check your internet connection, " +
    "then try again.";
  var SOMETHING = "Sorry, something went wrong. Please try again in a moment.";

  var busy = false;
  var lastPressed = null;
  var pending = null;  // what to send again after a failure: {text, shown, source}

  function addLine(sender, text) {
    var line = document.createElement("div");
    line.className = "msg msg-" + sender;
    var words = document.createElement("p");
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = sender === "person" ? "You said: " : "MapBot said: ";
    words.appendChild(who);
    words.appendChild(document.createTextNode(text));
    line.appendChild(words);
    log.appendChild(line);
    return line;
  }

  function addPicture(line, name) {
    if (!pictures || typeof name !== "string") { return; }
    var found = pictures.content.querySelector('[data-picture="' + name.replace(/[^a-z_]/g, "") + '"]');
    if (!found) { return; }
    line.classList.add("msg-easy");
    line.insertBefore(found.cloneNode(true), line.firstChild);
  }

  function choiceButtons() {
    return Array.prototype.slice.call(choiceGroup.querySelectorAll("button"));
  }

  function setChoices(buttons) {
    choiceGroup.textContent = "";
    buttons.forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "choice";
      button.name = "text";
      button.value = choice.payload;
      button.textContent = choice.title;
      if (choice.shown) { button.setAttribute("data-shown", choice.shown); }
      choiceGroup.appendChild(button);
    });
    choicesForm.hidden = buttons.length === 0;
  }

  function choicesAfter(messages) {
    for (var i = messages.length - 1; i >= 0; i--) {
      if (messages[i].buttons && messages[i].buttons.length) { return messages[i].buttons; }
    }
    return submitted ? [] : [CARRY_ON];
  }

  function wantsAChoice(buttons) {
    return buttons.some(function (b) { return TYPING_CHOICES.indexOf(b.payload) < 0; });
  }

  // The progress line and the houses follow the same rules as bot/transcripts.py.
  function update(messages) {
    var current;
    messages.forEach(function (message) {
      var custom = message.custom || {};
      var buttons = message.buttons || [];
      if (custom.status === "submitted") {
        submitted = true;
        progress.textContent = "Sent to your social worker";
      } else if (custom.progress && custom.progress.step && custom.progress.of) {
        progress.textContent = "Question " + custom.progress.step + " of " + custom.progress.of;
      } else if (buttons.some(function (b) { return b.payload === "/send"; })) {
        progress.textContent = "Checking your answers";
      }
      if ("question" in custom) { current = custom.house || null; }
    });
    progress.hidden = !progress.textContent;
    if (current === undefined) { return; }
    Array.prototype.forEach.call(houses, function (house) {
      var key = house.getAttribute("data-house");
      var here = key === current;
      if (here) { house.classList.add("visited"); }
      house.classList.toggle("current", here);
      if (here) { house.setAttribute("aria-current", "step"); }
      else { house.removeAttribute("aria-current"); }
      house.querySelector(".house-state").textContent = here ? "You are here"
        : house.classList.contains("visited") ? "Visited" : "Not yet";
    });
  }

  function setBusy(on) {
    busy = on;
    sendButton.disabled = on;
    box.readOnly = on;
    sending.hidden = !on;
    if (!on) { choiceButtons().forEach(function (b) { b.disabled = false; }); }
  }

  function clearProblem() { problem.textContent = ""; }

  function showProblem(message, canRetry) {
    clearProblem();
    var words = document.createElement("p");
    words.textContent = message;
    problem.appendChild(words);
    if (!canRetry) { return null; }
    var again = document.createElement("button");
    again.type = "button";
    again.className = "retry";
    again.textContent = "Try again";
    again.addEventListener("click", retry);
    var holder = document.createElement("p");
    holder.appendChild(again);
    problem.appendChild(holder);
    return again;
  }

  function retry() {
    if (busy || !pending) { return; }
    if (pending.source === "typed") {
      if (!box.value.trim()) {
        clearProblem();
        box.focus();
        return;
      }
      pending.text = pending.shown = box.value;
    }
    send(pending.text, pending.shown, pending.source);
  }

  // Show the start of what is new, and the place to answer, without hiding either.
  function bringIntoView(first, target) {
    if (first && first.scrollIntoView) { first.scrollIntoView({block: "start"}); }
    if (!target) { return; }
    if (target !== document.activeElement) { target.focus({preventScroll: true}); }
    var rect = target.getBoundingClientRect();
    if (rect.bottom > window.innerHeight || rect.top < 0) {
      target.scrollIntoView({block: "nearest"});
    }
  }

  function done(text, shown, source, messages) {
    clearProblem();
    pending = null;
    var first = addLine("person", shown);
    messages.forEach(function (message) {
      var line = addLine("bot", message.text);
      addPicture(line, (message.custom || {}).picture);
      var lang = (message.custom || {}).lang;  // a reply in the person's own language
      if (typeof lang === "string" && /^[a-z]{2}$/.test(lang)) { line.lang = lang; }
    });
    update(messages);
    var buttons = choicesAfter(messages);
    setChoices(buttons);
    reply.hidden = false;
    if (source === "typed") { box.value = ""; }
    setBusy(false);
    var target = box;
    if (source === "choice" && buttons.length && wantsAChoice(buttons)) {
      target = choiceButtons()[0];
    }
    bringIntoView(first, target);
  }

  function failed(source, status, message) {
    setBusy(false);
    if (status === 404 || status === 410) {
      window.location.reload();  // the page then says what to do
      return;
    }
    var canRetry = status !== 422;
    var again = showProblem(message, canRetry);
    var target = again || (source === "typed" ? box : choiceButtons()[0]);
    if (target) { target.focus(); }
  }

  function send(text, shown, source) {
    if (busy) { return; }
    pending = {text: text, shown: shown, source: source};
    setBusy(true);
    fetch(endpoint, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({text: text}),
      credentials: "omit",
      cache: "no-store",
      redirect: "error"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && body && Array.isArray(body.messages)) {
          done(text, shown, source, body.messages);
        } else {
          failed(source, response.status, (body && body.error) || SOMETHING);
        }
      });
    }, function () {
      failed(source, 0, source === "typed" ? NETWORK : NETWORK_CHOICE);
    });
  }

  // Coming back to a long conversation: start where it left off.
  var latest = document.getElementById("latest");
  if (latest && !window.location.hash) { latest.scrollIntoView({block: "start"}); }

  choiceGroup.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (button) { lastPressed = button; }
  });

  choicesForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = event.submitter || lastPressed;
    if (busy || !button || button.disabled) { return; }
    // One press sends once: every choice is off until the answer comes back.
    choiceButtons().forEach(function (b) { b.disabled = true; });
    send(button.value, button.getAttribute("data-shown") || button.textContent, "choice");
  });

  reply.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) { return; }
    if (!box.value.trim()) {
      showProblem("Please type your answer first, or press one of the buttons.", false);
      box.focus();
      return;
    }
    send(box.value, box.value, "typed");
  });
}());
