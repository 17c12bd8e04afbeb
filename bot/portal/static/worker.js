/* The social worker's screens: optional help on top of plain forms.
   - the copy button and the print button (hidden until this script runs);
   - the Copy buttons of "For the case record" (a block of text each), saying
     "Copied" in their own status line;
   - reviewing an item (accept, reject, move, edit) without reloading the board:
     the form is sent as it would be, the server answers with the item's new HTML,
     and focus stays on the item. Any failure falls back to an ordinary form post. */
(function () {
  "use strict";

  document.querySelectorAll(".js-only[hidden]").forEach(function (element) {
    element.hidden = false;
  });

  function say(text) {
    var live = document.querySelector("[data-live], [data-copy-status]");
    if (!live) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function copyText(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    input.focus();
    input.select();
    var ok = document.execCommand && document.execCommand("copy");
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function tell(live, text) {
    if (!live) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function copyBlock(button) {
    var area = document.getElementById(button.getAttribute("data-copy-block"));
    var live = document.querySelector("[data-copy-block-status]");
    var name = button.getAttribute("data-copy-name") || "the block";
    copyText(area).then(function () {
      tell(live, "Copied: " + name + ". Paste it into that field of the case record.");
    }, function () {
      area.focus();
      area.select();
      tell(live, "Press Control and C (or Command and C) to copy the selected text.");
    });
  }

  document.addEventListener("click", function (event) {
    var block = event.target.closest("[data-copy-block]");
    if (block) {
      copyBlock(block);
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var input = document.getElementById(copy.getAttribute("data-copy"));
      copyText(input).then(function () {
        say("The link is copied. Paste it into your message.");
      }, function () {
        input.focus();
        input.select();
        say("Press Control and C (or Command and C) to copy the selected link.");
      });
      return;
    }
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  function refreshPart(list) {
    if (!list) { return; }
    var count = list.querySelectorAll(":scope > li.item").length;
    var empty = list.nextElementSibling;
    if (empty && empty.classList.contains("empty")) { empty.hidden = count > 0; }
    var part = list.closest(".part");
    var counter = part && part.querySelector("h3 .count");
    if (counter) { counter.textContent = "(" + count + ")"; }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-item-form]") || form.dataset.plain || !window.fetch) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    var data = new URLSearchParams(new FormData(form));
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var item = form.closest("li.item");
    var fallback = function () {
      form.dataset.plain = "1";
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    };
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      headers: {"X-MapBot-Fragment": "1"},
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      if (response.status === 422) {
        return response.text().then(function (text) { say(text); });
      }
      if (!response.ok) { fallback(); return null; }
      return response.text().then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html.trim();
        var fresh = template.content.querySelector("li.item");
        if (!fresh || !item) { fallback(); return; }
        var place = response.headers.get("X-MapBot-Place") || "";
        var from = item.parentElement;
        var target = null;
        document.querySelectorAll("ul.items[data-place]").forEach(function (list) {
          if (list.getAttribute("data-place") === place) { target = list; }
        });
        if (!target) {
          window.location.assign(window.location.pathname + window.location.search +
                                 "#" + fresh.id);
          window.location.reload();
          return;
        }
        if (target === from) {
          item.replaceWith(fresh);
        } else {
          item.remove();
          target.appendChild(fresh);
        }
        refreshPart(from);
        refreshPart(target);
        fresh.focus();
        var words = fresh.querySelector(".worker-text") || fresh.querySelector(".words");
        say((response.headers.get("X-MapBot-Done") || "Saved") + ": " +
            (words ? words.textContent : ""));
      });
    }).catch(fallback);
  });
}());
