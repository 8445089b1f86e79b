// The header menu is a <details>: it opens and closes without JavaScript.
// This adds what a menu button is expected to do beyond that: its state as
// aria-expanded, Escape closes it and gives focus back to the button, and a
// click or focus outside the open menu closes it.
(function () {
  'use strict';
  var menu = document.getElementById('site-menu');
  if (!menu) return;
  var btn = menu.querySelector('summary');
  // On a wide screen the content is shown inline and the button hidden;
  // then the state is not announced at all.
  function inline() { return btn.offsetParent === null; }
  function sync() {
    if (inline()) btn.removeAttribute('aria-expanded');
    else btn.setAttribute('aria-expanded', menu.open ? 'true' : 'false');
  }
  sync();
  menu.addEventListener('toggle', sync);
  window.addEventListener('resize', sync);
  menu.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && menu.open && !inline()) {
      menu.open = false;
      sync();
      btn.focus();
    }
  });
  function outside(e) {
    if (menu.open && !inline() && !menu.contains(e.target)) { menu.open = false; sync(); }
  }
  document.addEventListener('click', outside);
  document.addEventListener('focusin', outside);
}());
