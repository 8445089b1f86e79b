// The check-in screen: fetch the next code as the current one expires and
// show it, without reloading the page (the page reloads itself when
// script is off). The wait comes from the server's clock (remaining_ms), so
// a screen whose clock is wrong still changes on time.
(function () {
  "use strict";
  var box = document.getElementById("checkin");
  if (!box) return;
  var img = document.getElementById("checkin-qr");
  var code = document.getElementById("checkin-code");
  var link = document.getElementById("checkin-url");
  var left = document.getElementById("checkin-left");
  var due = Date.now() + Number(box.getAttribute("data-remaining") || 0);
  var failures = 0;

  function tick() {
    var s = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    if (left) left.textContent = "(" + s + " s)";
  }

  function show(v) {
    img.src = v.qr;
    code.textContent = v.code;
    link.href = v.url;
    link.textContent = v.url;
    due = Date.now() + v.remaining_ms;
    tick();
    // A little after the change, so the server is surely past it.
    setTimeout(next, v.remaining_ms + 150);
  }

  function next() {
    fetch(box.getAttribute("data-code-url"), { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) {
        if (r.status === 409 || r.status === 403 || r.status === 401) {
          // Check-in closed (the day ended) or the session ended: the
          // page says which.
          location.reload();
          return null;
        }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (v) {
        if (!v) return;
        failures = 0;
        show(v);
      })
      .catch(function () {
        failures++;
        setTimeout(next, Math.min(10000, 1000 * failures));
      });
  }

  setInterval(tick, 1000);
  tick();
  setTimeout(next, Number(box.getAttribute("data-remaining") || 0) + 150);
})();
