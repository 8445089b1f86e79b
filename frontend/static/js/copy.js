// Copy buttons: a button with data-copy="ID" copies the value of the field
// with that id and says so in the status element named by
// data-copy-status. Without script the field is still there to select.
(function () {
  'use strict';
  document.querySelectorAll('button[data-copy]').forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var field = document.getElementById(btn.getAttribute('data-copy'));
      var status = document.getElementById(btn.getAttribute('data-copy-status'));
      if (!field) return;
      function done(ok) {
        if (status) status.textContent = ok ? btn.getAttribute('data-copied') : btn.getAttribute('data-copy-failed');
      }
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () { done(false); });
      } else {
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
        done(ok);
      }
    });
  });
})();
