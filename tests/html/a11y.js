// Run in the page by tests/html/run-html.py (Runtime.evaluate): WCAG 2.x
// contrast of every visible text, and the page's interactive elements.
// Returns a JSON-able object; the Python side asserts on it.
(function () {
  'use strict';
  function parse(c) {  // "rgb(1, 2, 3)" / "rgba(1, 2, 3, 0.5)" / "transparent"
    var m = /rgba?\(([^)]+)\)/.exec(c || '');
    if (!m) return null;
    var p = m[1].split(/[ ,/]+/).filter(Boolean).map(parseFloat);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  }
  function over(top, under) {  // alpha compositing of top over an opaque colour
    var a = top.a;
    return { r: top.r * a + under.r * (1 - a), g: top.g * a + under.g * (1 - a), b: top.b * a + under.b * (1 - a), a: 1 };
  }
  function lum(c) {  // WCAG 2.x relative luminance
    function ch(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  }
  function ratio(a, b) {
    var x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  // The background a text is drawn on: the element's and its ancestors'
  // background colours composited (an SVG text's halo stroke counts as its
  // background: paint-order:stroke draws it under the glyphs).
  function background(el) {
    var chain = [];
    for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
      var bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg.a > 0) chain.push(bg);
      if (bg && bg.a >= 1) break;
    }
    var c = { r: 255, g: 255, b: 255, a: 1 };  // the canvas
    for (var i = chain.length - 1; i >= 0; i--) c = over(chain[i], c);
    return c;
  }
  function visible(el) {
    if (!el.getClientRects().length) return false;
    var s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity) > 0;
  }
  var bad = [], checked = 0;
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var seen = new Set();
  for (var n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.nodeValue.trim()) continue;
    var el = n.parentElement;
    if (!el || seen.has(el) || el.closest('title,script,style')) continue;
    seen.add(el);
    if (!visible(el)) continue;
    var s = getComputedStyle(el);
    var svg = el instanceof SVGElement;
    var fg = parse(svg ? s.fill : s.color);
    if (!fg) continue;
    var bg = background(el);
    if (svg && s.paintOrder.indexOf('stroke') === 0 && parseFloat(s.strokeWidth) >= 2) {
      var halo = parse(s.stroke);
      if (halo && halo.a >= 1) bg = halo;
    }
    var fgc = over(fg, bg);
    var size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    var large = size >= 24 || (bold && size >= 18.66);
    var need = large ? 3 : 4.5;
    var r = ratio(fgc, bg);
    checked++;
    if (r < need)
      bad.push({ text: n.nodeValue.trim().slice(0, 60), tag: el.tagName, cls: String(el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className),
                 ratio: Math.round(r * 100) / 100, need: need, fg: svg ? s.fill : s.color, bg: 'rgb(' + [bg.r, bg.g, bg.b].map(Math.round).join(',') + ')' });
  }
  // interactive elements, in document order
  var sel = 'a[href],button,summary,input,select,textarea,[tabindex]';
  var items = [], positive = [];
  document.querySelectorAll(sel).forEach(function (e, i) {
    e.setAttribute('data-a11y', String(i));
    var ti = e.getAttribute('tabindex');
    if (ti !== null && parseInt(ti, 10) > 0) positive.push(e.outerHTML.slice(0, 120));
    var closed = false;
    for (var p = e.parentElement; p; p = p.parentElement)
      if (p.tagName === 'DETAILS' && !p.open && !(e.tagName === 'SUMMARY' && e.parentElement === p)) closed = true;
    var hidden = !e.getClientRects().length && !(e instanceof SVGElement && e.getBBox && e.closest('svg') && e.closest('svg').getClientRects().length);
    items.push({ i: i, tag: e.tagName.toLowerCase(), closed: closed, hidden: hidden || e.hidden || (e.closest('[hidden]') !== null),
                 skip: e.classList.contains('skip'), href: e.getAttribute('href') || e.getAttribute('xlink:href') || '',
                 text: (e.textContent || '').trim().slice(0, 40), tabindex: ti });
  });
  return { checked: checked, bad: bad, items: items, positive: positive };
})()
