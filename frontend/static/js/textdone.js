// Text lesson: once the learner has scrolled to the end and spent the
// lesson's reading time on it (the server's data-wait-ms, which it also
// enforces), the lesson is marked done. The "Tandai selesai" form does the
// same without JavaScript.
(function () {
  'use strict';
  var end = document.getElementById('lesson-end');
  if (!end || end.dataset.enrolled !== '1' || end.dataset.done === '1' || !('IntersectionObserver' in window)) return;
  var statusEl = document.getElementById('lesson-status');
  var opened = Date.now();
  // The server counts from the first opening; a moment more covers the
  // way here. It answers 409 with Retry-After if it is still too early.
  var minMs = Math.max(2000, (parseInt(end.dataset.waitMs, 10) || 0) + 500);
  var visible = false, timer = null, sent = false;
  function send() {
    if (sent || !visible) return;
    sent = true;
    var p = new URLSearchParams();
    p.set('_csrf', end.dataset.csrf);
    p.set('done', '1');
    fetch(end.dataset.progressUrl, { method: 'POST', body: p, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': end.dataset.csrf } })
      .then(function (r) {
        if (r.status === 409) {
          var after = parseInt(r.headers.get('Retry-After'), 10) || 5;
          opened = Date.now();
          minMs = after * 1000 + 500;
          sent = false;
          clearTimeout(timer);
          timer = setTimeout(send, minMs);
          return null;
        }
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
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
          syllabus(j.course_percent);
          io.disconnect();
        }
      })
      .catch(function () { sent = false; });
  }
  // The syllabus beside the lesson shows what the server now has: this
  // lesson ticked, the course's percent.
  function syllabus(percent) {
    var item = document.querySelector('.syllabus [data-lesson="' + end.dataset.lesson + '"]');
    if (item && !item.classList.contains('done')) {
      item.classList.add('done');
      var mark = document.createElement('span');
      mark.className = 'done-mark';
      mark.textContent = '\u2713';
      var sr = document.createElement('span');
      sr.className = 'sr';
      sr.textContent = end.dataset.msgTick || '';
      mark.appendChild(sr);
      item.appendChild(mark);
    }
    if (typeof percent !== 'number') return;
    var meter = document.getElementById('syllabus-meter');
    var label = document.getElementById('syllabus-percent');
    var text = (label && label.dataset.msg ? label.dataset.msg : '%d%%').replace('%d', String(percent)).replace('%%', '%');
    if (meter) { meter.value = percent; meter.setAttribute('aria-label', text); }
    if (label) label.textContent = text;
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
