"""A stored-XSS corpus. Every payload, if it ever runs, sets ``window.__xss`` or opens a
dialog (alert/confirm/prompt), so the browser test can see it. Sources: the OWASP XSS
filter-evasion cheat sheet, PortSwigger's XSS cheat sheet, and markdown-it/nh3-specific
tricks (link and image syntax, autolinks, reference links, raw HTML in Markdown)."""

from __future__ import annotations

RUN = "window.__xss=1"

SCRIPT_TAGS = [
    f"<script>{RUN}</script>",
    f"<SCRIPT>{RUN}</SCRIPT>",
    f"<ScRiPt>{RUN}</sCrIpT>",
    f"<script type=module>{RUN}</script>",
    f"<script\n>{RUN}</script\n>",
    f"<script/xss>{RUN}</script>",
    f"<<script>{RUN};//<</script>",
    f"<script>/*</script><script>*/{RUN}</script>",
    "<script src=data:text/javascript,window.__xss=1></script>",
    "<script src=//evil.example/x.js></script>",
    f"</textarea><script>{RUN}</script>",
    f"</title><script>{RUN}</script>",
    f"</style><script>{RUN}</script>",
    f'<noscript><p title="</noscript><img src=x onerror={RUN}>"></noscript>',
    f"<template><script>{RUN}</script></template>",
]

EVENT_HANDLERS = [
    f"<img src=x onerror={RUN}>",
    f'<img src=x onerror="{RUN}">',
    "<img src=x onerror=alert(1)>",
    f"<IMG SRC=x ONERROR={RUN}>",
    f"<img src=x oNeRrOr='{RUN}'>",
    f"<img/src=x/onerror={RUN}>",
    f"<img src=x onerror\n={RUN}>",
    f"<body onload={RUN}>",
    f"<svg onload={RUN}>",
    f"<svg/onload={RUN}>",
    f"<iframe onload={RUN}></iframe>",
    f"<input autofocus onfocus={RUN}>",
    f"<details open ontoggle={RUN}>",
    f"<video><source onerror={RUN}></video>",
    f"<audio src=x onerror={RUN}>",
    f"<marquee onstart={RUN}>x</marquee>",
    f"<div onmouseover={RUN}>hover</div>",
    f"<a onmouseover={RUN}>hover</a>",
    f"<select autofocus onfocus={RUN}>",
    f"<textarea autofocus onfocus={RUN}>",
    f"<keygen autofocus onfocus={RUN}>",
    f"<object data=x onerror={RUN}>",
    f"<style onload={RUN}></style>",
    "<img src=x:alert(1) onerror=eval(src)>",
    f'<img src="x` `<script>{RUN}</script>"` `>',
]

URL_SCHEMES = [
    f'<a href="javascript:{RUN}">click</a>',
    f'<a href="JaVaScRiPt:{RUN}">click</a>',
    f'<a href="  javascript:{RUN}">click</a>',
    f'<a href="java\tscript:{RUN}">click</a>',
    f'<a href="java&#x09;script:{RUN}">click</a>',
    f'<a href="&#106;avascript:{RUN}">click</a>',
    f'<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:{RUN}">click</a>',
    f'<a href="javascript&colon;{RUN}">click</a>',
    f'<a href="vbscript:{RUN}">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==">x</a>',
    f'<a href="data:text/html,<script>{RUN}</script>">x</a>',
    f'<iframe src="javascript:{RUN}"></iframe>',
    f'<iframe srcdoc="<script>{RUN}</script>"></iframe>',
    f'<form action="javascript:{RUN}"><button>go</button></form>',
    f'<button formaction="javascript:{RUN}">go</button>',
    f'<embed src="javascript:{RUN}">',
    f'<object data="javascript:{RUN}"></object>',
    f'<base href="javascript:{RUN}//">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
    f'<link rel=stylesheet href="javascript:{RUN}">',
    f'<a href="%6A%61%76%61%73%63%72%69%70%74:{RUN}">click</a>',
    f'<a href="\\x6Aavascript:{RUN}">click</a>',
]

SVG_MATHML = [
    f"<svg><script>{RUN}</script></svg>",
    f'<svg><script href="data:,{RUN}"/></svg>',
    f'<svg><a xlink:href="javascript:{RUN}"><text x=20 y=20>x</text></a></svg>',
    f"<svg><animate onbegin={RUN} attributeName=x dur=1s>",
    f"<svg><set attributeName=onload to={RUN} />",
    f"<svg><foreignObject><img src=x onerror={RUN}></foreignObject></svg>",
    f"<svg><style><img src=x onerror={RUN}></style></svg>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f'<math href="javascript:{RUN}">click</math>',
    f'<math><maction actiontype=statusline xlink:href="javascript:{RUN}">x</maction></math>',
    f"<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='{RUN}'/></svg>#x\"/></svg>",
]

BROKEN_MARKUP = [
    f'<img src="x" onerror="{RUN}"',
    f"<img src=x onerror={RUN}//",
    f"<<img src=x onerror={RUN}>>",
    f'<img """><script>{RUN}</script>">',
    f"<scr<script>ipt>{RUN}</scr</script>ipt>",
    f'<!--<img src="--><img src=x onerror={RUN}//">',
    f"<![CDATA[<script>{RUN}</script>]]>",
    f'<?xml version="1.0"?><script>{RUN}</script>',
    f'<div title="</div><img src=x onerror={RUN}>">',
    f'<p id="a"<img src=x onerror={RUN}>',
    f'<table><td background="javascript:{RUN}">',
    f"<img src=`x` onerror=`{RUN}`>",
]

MARKDOWN = [
    f"[click](javascript:{RUN})",
    f"[click](JAVASCRIPT:{RUN})",
    f"[click](  javascript:{RUN}  )",
    f"[click](javascript&#58;{RUN})",
    f"[click](vbscript:{RUN})",
    "[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    f"![img](javascript:{RUN})",
    f'![x" onerror="{RUN}](https://example.org/x.png)',
    f'[x](https://example.org/" onmouseover="{RUN})',
    f'[x](https://example.org/ "title\\" onmouseover=\\"{RUN}")',
    f"<javascript:{RUN}>",
    f"[ref][1]\n\n[1]: javascript:{RUN}",
    f"[a](<javascript:{RUN}>)",
    f"[a](java%0ascript:{RUN})",
    f"[a](j a v a s c r i p t:{RUN})",
    f"**bold** <b onmouseover={RUN}>b</b>",
    f"`code` <img src=x onerror={RUN}> `code`",
    f"```\n</code><script>{RUN}</script>\n```",
    f"> quote <img src=x onerror={RUN}>",
    f"- item <svg onload={RUN}>",
    f"[![img](x)](javascript:{RUN})",
    f'[x](#" onclick="{RUN})',
]

ENCODED = [
    f"&lt;script&gt;{RUN}&lt;/script&gt;",
    f"&#60;script&#62;{RUN}&#60;/script&#62;",
    f"%3Cscript%3E{RUN}%3C/script%3E",
    f"\\u003cscript\\u003e{RUN}\\u003c/script\\u003e",
    f"\\x3cscript\\x3e{RUN}\\x3c/script\\x3e",
    f"&lt;img src=x onerror={RUN}&gt;",
    "<img src=x onerror=&#119;&#105;&#110;&#100;&#111;&#119;.__xss=1>",
    '<img src=x onerror="&#x77;indow.__xss=1">',
    f'<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058{RUN}">x</a>',
    "＜script＞window.__xss=1＜/script＞",
    f"\u202e<img src=x onerror={RUN}>",
    f"<scr\u200bipt>{RUN}</script>",
]

ATTRIBUTE_BREAKING = [
    f'" onmouseover="{RUN}',
    f"' onmouseover='{RUN}",
    f'"><img src=x onerror={RUN}>',
    f"'><img src=x onerror={RUN}>",
    f'"><script>{RUN}</script>',
    f'" autofocus onfocus="{RUN}',
    f"' autofocus onfocus='{RUN}' x='",
    f'"/><svg onload={RUN}>',
    f"javascript:{RUN}",
    f"`-{RUN}-`",
]

TEMPLATE_INJECTION = [
    "{{constructor.constructor('window.__xss=1')()}}",
    "{{7*7}}{% raw %}",
    "${window.__xss=1}",
    "#{window.__xss=1}",
    "<%= window.__xss=1 %>",
    "{{ request }}{{ settings.SECRET_KEY }}",
    "[[${window.__xss=1}]]",
    "{% csrf_token %}{% debug %}",
    '<div x-init="window.__xss=1" x-data></div>',
    '<div hx-on:load="window.__xss=1" hx-get="/">htmx</div>',
    '<div hx-get="/__xss-canary/" hx-trigger="load" hx-target="body">htmx</div>',
    '<div data-bind="html: window.__xss=1"></div>',
]

PAYLOADS: list[str] = [
    *SCRIPT_TAGS,
    *EVENT_HANDLERS,
    *URL_SCHEMES,
    *SVG_MATHML,
    *BROKEN_MARKUP,
    *MARKDOWN,
    *ENCODED,
    *ATTRIBUTE_BREAKING,
    *TEMPLATE_INJECTION,
]

# Payloads that fit a URL field's syntax (they must be rejected or stored inertly).
URL_PAYLOADS = [
    f"javascript:{RUN}",
    f"JaVaScRiPt:{RUN}",
    f"vbscript:{RUN}",
    "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==",
    f'https://example.org/"><script>{RUN}</script>',
    f"https://example.org/'onmouseover='{RUN}",
    f"https://example.org/?q=<img src=x onerror={RUN}>",
    f'https://example.org/#" onclick="{RUN}',
    f"https://example.org/%22%3E%3Cscript%3E{RUN}%3C/script%3E",
    f"//evil.example/%0ajavascript:{RUN}",
]


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[index : index + size] for index in range(0, len(items), size)]
