// Job pages: a ticking elapsed time; polls that skip while the tab is hidden and go out at once
// when it is shown again; and polls that back off and say "reconnecting" when the server can't
// be reached, recovering on their own once it answers again. Like the polls, the retries wait
// while the tab is hidden and go out at once when it is shown again. (This lives here rather
// than in hx-trigger filters because the Content Security Policy forbids eval.)
(function () {
  "use strict";

  function tick() {
    document.querySelectorAll(".elapsed[data-ticking]").forEach(function (el) {
      var seconds = parseInt(el.dataset.seconds, 10) + 1;
      el.dataset.seconds = seconds;
      el.textContent = seconds + " s";
    });
    document.querySelectorAll(".eta").forEach(function (el) {
      var left = Math.max(1, parseInt(el.textContent, 10) - 1);
      el.textContent = left + " s";
    });
  }
  setInterval(tick, 1000);

  // One live region announces what a listener needs: the status and the stage when they change
  // (never the ticking seconds), and a lost connection.
  var announced = "";

  function announce(text) {
    var region = document.getElementById("job-announcer");
    if (!region || text === announced) return;
    announced = text;
    region.textContent = text;
  }

  function statusText(status) {
    var label = status.dataset.statusLabel || status.dataset.status || "";
    return status.hasAttribute("hx-get") && status.dataset.stage
      ? label + ": " + status.dataset.stage
      : label;
  }

  function retryLater(el, url) {
    announce("Connection lost: trying again.");
    var failures = parseInt(el.dataset.failures || "0", 10) + 1;
    var base = parseInt(el.dataset.pollSeconds || "5", 10);
    var delay = Math.min(60, base * Math.pow(2, failures - 1));
    // A copy without the polling trigger replaces the element, so only our retry runs.
    var quiet = el.cloneNode(true);
    ["hx-get", "hx-trigger", "hx-swap"].forEach(function (name) { quiet.removeAttribute(name); });
    quiet.classList.add("stale");
    quiet.dataset.failures = failures;
    quiet.dataset.retryUrl = url;
    el.replaceWith(quiet);
    setTimeout(function () {
      if (document.visibilityState === "visible") retry(quiet);
    }, delay * 1000);
  }

  function retry(quiet) {
    if (!document.body.contains(quiet)) return;
    htmx.ajax("GET", quiet.dataset.retryUrl, { source: quiet, target: quiet, swap: "outerHTML" });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (el && el.id === "job-status" && document.visibilityState === "hidden") {
      event.preventDefault();
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    var quiet = document.querySelector("#job-status.stale");
    if (quiet) return retry(quiet);
    var polling = document.querySelector("#job-status[hx-get]");
    if (polling) htmx.trigger(polling, "poll-now");
  });

  // Optional browser notifications: a button offers them while a job runs; when the job
  // finishes while this tab is open but another window has the focus, the browser says so. The
  // button sits with the job's controls, outside the polled block, so a poll never takes away
  // the keyboard focus; the finished block empties the controls.
  var FINISHED = { completed: "is ready", failed: "could not be finished", cancelled: "was cancelled" };
  var wasActive = false;

  function offerNotifications() {
    var status = document.querySelector("#job-status[hx-get]");
    var controls = document.getElementById("job-controls");
    if (!status || !controls || !("Notification" in window)) return;
    if (Notification.permission !== "default" || controls.querySelector("[data-notify]")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.dataset.notify = "";
    button.textContent = "Notify me in this browser when it's done";
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function () { button.remove(); });
    });
    controls.appendChild(button);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var old = event.detail.elt;
    if (old && old.id === "job-status") wasActive = old.hasAttribute("hx-get");
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var status = document.getElementById("job-status");
    if (!status) return;
    announce(statusText(status));
    offerNotifications();
    var outcome = FINISHED[status.dataset.status];
    if (!outcome || !wasActive || document.hasFocus()) return;
    wasActive = false;
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification("Your " + (status.dataset.kind || "job") + " " + outcome, {
        body: document.title, tag: "job-" + status.dataset.job,
      });
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("job-status");
    if (status) announced = statusText(status);  // what the page already says is not news
    offerNotifications();
  });

  function onFailure(event) {
    var el = event.detail.elt;
    if (!el || el.id !== "job-status") return;
    var url = el.getAttribute("hx-get") || el.dataset.retryUrl;
    if (url) retryLater(el, url);
  }
  document.addEventListener("htmx:sendError", onFailure);
  document.addEventListener("htmx:responseError", onFailure);
})();
