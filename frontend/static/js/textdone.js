// Text lesson: once the learner has scrolled to the end (and spent a
// moment on the page), the lesson is marked done. The "Tandai selesai"
// form does the same without JavaScript.
(function () {
  'use strict';
  var end = document.getElementById('lesson-end');
  if (!end || end.dataset.enrolled !== '1' || end.dataset.done === '1' || !('IntersectionObserver' in window)) return;
  var statusEl = document.getElementById('lesson-status');
  var opened = Date.now();
  var minMs = 8000;
  var visible = false, timer = null, sent = false;
  function send() {
    if (sent || !visible) return;
    sent = true;
    var p = new URLSearchParams();
    p.set('_csrf', end.dataset.csrf);
    p.set('done', '1');
    fetch(end.dataset.progressUrl, { method: 'POST', body: p, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': end.dataset.csrf } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (j) {
        if (j && j.done) {
          if (statusEl) {
            // The icon is the server's own markup, carried in a data attribute.
            statusEl.innerHTML = (statusEl.dataset.iconDone || '') + ' ';
            statusEl.appendChild(document.createTextNode(end.dataset.msgDone));
            statusEl.className = 'status st-ok';
          }
          var f = document.querySelector('.done-form');
          if (f) f.hidden = true;
          io.disconnect();
        }
      })
      .catch(function () { sent = false; });
  }
  var io = new IntersectionObserver(function (entries) {
    visible = entries.some(function (e) { return e.isIntersecting; });
    if (!visible) { clearTimeout(timer); return; }
    var wait = Math.max(0, minMs - (Date.now() - opened));
    clearTimeout(timer);
    timer = setTimeout(send, wait);
  });
  io.observe(end);
}());
