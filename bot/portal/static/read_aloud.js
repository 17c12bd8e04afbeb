/* Read-aloud on the family chat page: a button on every MapBot message, and a setting
   to read each new one. Only the browser's own speech synthesis: no request leaves the
   device for it, and nothing is stored (the setting lasts as long as the page).
   Where the browser cannot speak, neither the buttons nor the setting appear. */
(function () {
  "use strict";

  var log = document.getElementById("log");
  var setting = document.getElementById("read-aloud-setting");
  var speech = window.speechSynthesis;
  if (!log || !setting || !speech || typeof window.SpeechSynthesisUtterance !== "function") {
    return;
  }
  var child = document.body.classList.contains("look-child");
  var everyNew = document.getElementById("read-each");
  var count = 0;

  // The words as shown, without the "MapBot said:" that screen readers get.
  function wordsOf(message) {
    var copy = message.querySelector("p").cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll(".visually-hidden"),
                                 function (hidden) { hidden.remove(); });
    return copy.textContent.trim();
  }

  function say(message, queued) {
    var words = wordsOf(message);
    if (!words) { return; }
    if (!queued) { speech.cancel(); }  // a press reads this one now
    var utterance = new window.SpeechSynthesisUtterance(words);
    utterance.lang = message.getAttribute("lang") || "en-GB";
    speech.speak(utterance);
  }

  function addButton(message) {
    if (message.querySelector(".read-aloud")) { return; }
    count += 1;
    var words = message.querySelector("p");
    if (!words.id) { words.id = "said-" + count; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "read-aloud";
    button.textContent = child ? "Listen" : "Read aloud";
    button.setAttribute("aria-describedby", words.id);
    button.addEventListener("click", function () { say(message, false); });
    message.appendChild(button);
  }

  Array.prototype.forEach.call(log.querySelectorAll(".msg-bot"), addButton);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      Array.prototype.forEach.call(change.addedNodes, function (node) {
        if (!node.classList || !node.classList.contains("msg-bot")) { return; }
        addButton(node);
        if (everyNew.checked) { say(node, true); }
      });
    });
  }).observe(log, {childList: true});
  setting.hidden = false;
}());
