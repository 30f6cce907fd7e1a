#!/usr/bin/env python3
"""Re-renders the screenshots of docs/img from the code as it is.

Each picture is `trustwire -T html` of a lab capture (or of the DC mix)
rendered by headless Chromium at 1280 pixels wide, as tests/html/run-html.py
takes its screenshots.  A picture of one machine (#m-NAME) is framed on that
section: a copy of the page gets a small script that hides what is not on
the way from <body> to the section (Chromium's --screenshot paints a scrolled
page only below the scroll offset, so scrolling to the fragment leaves a
blank band); nothing else of the page is changed.  Look at every picture
before committing it, and say in docs/html.md what it shows.

Usage: docs-shots.py TRUSTWIRE SOURCE_ROOT [DC_MIX_PCAP]
  DC_MIX_PCAP: bench/gen-capture -s 1024 -m dc -c 16000 (html-overview.png;
  skipped without it).
Exit: 0 all written, 1 a picture failed.
"""
import os
import shutil
import subprocess
import sys
import tempfile

TW, ROOT = sys.argv[1:3]
DCMIX = sys.argv[3] if len(sys.argv) > 3 else None
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OUT = os.path.abspath(os.path.join(ROOT, "docs", "img"))

# picture, capture (relative to ROOT, or the DC mix), section id or None (the top), height
SHOTS = [
    ("html-overview.png", None, None, 1000),
    ("html-clone.png", "pcaps/07-cloned.pcap", "m-WS06", 1560),
    ("html-zerologon.png", "pcaps/08-zerologon.pcap", "m-DC1", 1200),
    ("html-clock-skew.png", "pcaps/03-clock-skew.pcap", "m-WS01", 1100),
]

ONLY = """<script>document.addEventListener("DOMContentLoaded",function(){
var e=document.getElementById(location.hash.slice(1));if(!e)return;
for(var n=e;n&&n!==document.body;n=n.parentElement)
for(var s=n.parentElement.firstElementChild;s;s=s.nextElementSibling)
if(s!==n&&s.tagName!=="SCRIPT"&&s.tagName!=="STYLE")s.style.display="none";
history.replaceState(null,"",location.pathname);scrollTo(0,0);});</script>"""


def main():
    if not CHROMIUM:
        print("docs-shots: /usr/bin/chromium is not installed (tools/setup.sh --test installs it)")
        return 1
    bad = 0
    with tempfile.TemporaryDirectory(prefix="tw-shots-") as tmp:
        for png, cap, frag, height in SHOTS:
            if cap is None and not DCMIX:
                print(f"skip {png}: no DC mix capture given")
                continue
            src = DCMIX if cap is None else os.path.join(ROOT, cap)
            r = subprocess.run([TW, "-T", "html", "-r", src], capture_output=True, cwd=ROOT)
            page = r.stdout.decode("utf-8")
            if frag:
                if f'id="{frag}"' not in page:
                    print(f"FAIL {png}: no #{frag} in the page of {cap}")
                    bad += 1
                    continue
                page = page.replace("</head>", ONLY + "</head>", 1)
            path = os.path.join(tmp, png[:-4] + ".html")
            with open(path, "w", encoding="utf-8") as f:
                f.write(page)
            dst = os.path.join(OUT, png)
            url = "file://" + path + (f"#{frag}" if frag else "")
            subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--window-size=1280,{height}", "--screenshot=" + dst, url],
                           capture_output=True, timeout=300)
            ok = os.path.exists(dst) and os.path.getsize(dst) > 10000
            print(("wrote " if ok else "FAIL ") + dst)
            bad += not ok
    return 1 if bad else 0


sys.exit(main())
