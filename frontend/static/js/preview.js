// Live Markdown preview for textareas with data-preview="<target id>":
// the server renders and sanitises (POST /teach/preview), debounced.
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('textarea[data-preview]'), function (ta) {
    var out = document.getElementById(ta.dataset.preview);
    if (!out) return;
    var box = out.closest('[data-csrf]');
    var csrf = box ? box.dataset.csrf : '';
    var timer = null, seq = 0;
    function render() {
      var my = ++seq;
      fetch('/teach/preview', { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ markdown: ta.value }) })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) { if (j && my === seq) out.innerHTML = j.html; })
        .catch(function () {});
    }
    ta.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(render, 400); });
    if (ta.value) render();
  });
}());
