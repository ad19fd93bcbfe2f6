// A deliberately small "browser" for driving the provider's HTML pages:
// an HTML form parser, a cookie jar and a manual-redirect navigator over fetch.
// No dependencies; used by flow.mjs and exercised offline by form.test.mjs.

// ---------------------------------------------------------------------------
// HTML helpers

const NAMED_ENTITIES = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
  eacute: 'é', egrave: 'è', ecirc: 'ê', agrave: 'à', acirc: 'â', ccedil: 'ç',
  ocirc: 'ô', ucirc: 'û', ugrave: 'ù', icirc: 'î', iuml: 'ï', euml: 'ë',
  Eacute: 'É', laquo: '«', raquo: '»', hellip: '…', rsquo: '’', lsquo: '‘',
};

/** Decode the HTML character references that matter in attribute values. */
export function decodeEntities(s) {
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);?/g, (m, ref) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff) return String.fromCodePoint(cp);
      return m;
    }
    return Object.hasOwn(NAMED_ENTITIES, ref) ? NAMED_ENTITIES[ref] : m;
  });
}

/** Parse the attribute part of a start tag: any order, "double", 'single' or unquoted values, bare booleans. */
export function parseAttributes(src) {
  const attrs = {};
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  let m;
  while ((m = re.exec(src)) !== null) {
    const name = m[1].toLowerCase();
    if (Object.hasOwn(attrs, name)) continue; // first occurrence wins, as in HTML
    const raw = m[2] ?? m[3] ?? m[4];
    attrs[name] = raw === undefined ? '' : decodeEntities(raw);
  }
  return attrs;
}

/** Remove comments, scripts, styles and templates so their contents cannot look like forms. */
function stripNonMarkup(html) {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ');
}

// A start tag: <name attrs...> where attribute values may contain '>' inside quotes.
const TAG_ATTRS = String.raw`((?:[^>"']|"[^"]*"|'[^']*')*)`;

/** Visible text of an HTML fragment (for error messages and button labels). */
export function textContent(html) {
  return decodeEntities(stripNonMarkup(html).replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
}

/**
 * Parse every <form> of a page.
 * Returns [{ action, method, attrs, fields: [{tag, type, name, value, checked, disabled, label}] }]
 * `action` is resolved against baseUrl (or a <base href>); `method` is upper-case.
 */
export function parseForms(html, baseUrl) {
  const doc = stripNonMarkup(html);
  let base = baseUrl;
  const baseTag = new RegExp(`<base\\b${TAG_ATTRS}>`, 'i').exec(doc);
  if (baseTag) {
    const href = parseAttributes(baseTag[1]).href;
    if (href) base = new URL(href, baseUrl).href;
  }
  const forms = [];
  const formRe = new RegExp(`<form\\b${TAG_ATTRS}>([\\s\\S]*?)(?:<\\/form\\s*>|$)`, 'gi');
  let fm;
  while ((fm = formRe.exec(doc)) !== null) {
    const attrs = parseAttributes(fm[1]);
    const body = fm[2];
    const fields = [];
    const ctrlRe = new RegExp(`<(input|button|textarea|select)\\b${TAG_ATTRS}>`, 'gi');
    let cm;
    while ((cm = ctrlRe.exec(body)) !== null) {
      let inner = '';
      if (cm[1].toLowerCase() !== 'input') {
        // Non-void element: its content runs to the matching closing tag.
        const close = new RegExp(`<\\/${cm[1]}\\s*>`, 'i');
        const rest = body.slice(ctrlRe.lastIndex);
        const end = close.exec(rest);
        inner = end ? rest.slice(0, end.index) : '';
        if (end) ctrlRe.lastIndex += end.index + end[0].length;
      }
      const tag = cm[1].toLowerCase();
      const a = parseAttributes(cm[2]);
      let type = (a.type ?? '').toLowerCase();
      let value = a.value;
      let checked = Object.hasOwn(a, 'checked');
      if (tag === 'input') {
        type ||= 'text';
        if (value === undefined) value = type === 'checkbox' || type === 'radio' ? 'on' : '';
      } else if (tag === 'button') {
        type ||= 'submit';
        if (value === undefined) value = '';
      } else if (tag === 'textarea') {
        type = 'textarea';
        value = decodeEntities(inner.replace(/^\r?\n/, ''));
      } else {
        type = 'select';
        const opts = [...inner.matchAll(new RegExp(`<option\\b${TAG_ATTRS}>([^<]*)`, 'gi'))].map((o) => {
          const oa = parseAttributes(o[1]);
          return { value: oa.value ?? decodeEntities(o[2]).trim(), selected: Object.hasOwn(oa, 'selected') };
        });
        const sel = opts.find((o) => o.selected) ?? opts[0];
        value = sel ? sel.value : '';
        checked = true;
      }
      fields.push({
        tag,
        type,
        name: a.name ?? '',
        value,
        checked,
        disabled: Object.hasOwn(a, 'disabled'),
        label: tag === 'button' ? textContent(inner) : (a.value ?? ''),
      });
    }
    const action = attrs.action ? new URL(attrs.action, base).href : new URL(baseUrl).href;
    const method = (attrs.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET';
    forms.push({ action, method, attrs, fields });
  }
  return forms;
}

export function isSubmit(f) {
  return (f.tag === 'button' && f.type === 'submit') || (f.tag === 'input' && (f.type === 'submit' || f.type === 'image'));
}

/**
 * The form data set a browser would submit: every enabled, named control except
 * buttons (only `submitter` is included), unchecked checkboxes/radios and files.
 * `overrides` replaces (or adds) values by name.
 */
export function formData(form, { submitter, overrides = {} } = {}) {
  const out = new URLSearchParams();
  const seen = new Set();
  for (const f of form.fields) {
    if (!f.name || f.disabled) continue;
    if (isSubmit(f)) {
      if (f === submitter) out.append(f.name, f.value);
      continue;
    }
    if (f.tag === 'button' || f.type === 'reset' || f.type === 'file') continue;
    if ((f.type === 'checkbox' || f.type === 'radio') && !f.checked) continue;
    if (Object.hasOwn(overrides, f.name)) {
      if (!seen.has(f.name)) out.append(f.name, overrides[f.name]);
      seen.add(f.name);
      continue;
    }
    out.append(f.name, f.value);
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (!seen.has(k) && !(submitter && submitter.name === k)) out.append(k, v);
  }
  return out;
}

/** A login form: has controls named `login` and `password` (the password one of type password). */
export function findLoginForm(forms) {
  return forms.find(
    (form) =>
      form.fields.some((f) => f.name === 'login' && !isSubmit(f)) &&
      form.fields.some((f) => f.name === 'password' && f.type === 'password'),
  );
}

/** A consent form: one of its submit buttons is named `decision` with value `allow`. */
export function findConsentForm(forms) {
  for (const form of forms) {
    const submitter = form.fields.find((f) => isSubmit(f) && f.name === 'decision' && f.value === 'allow');
    if (submitter) return { form, submitter };
  }
  return undefined;
}

const CONFIRM_RE = /\b(yes\b|oui\b|ok\b|confirm|log ?out|sign ?out|d[ée]connect|allow\b|continu|valider|accept)/i;
const CANCEL_RE = /\b(no\b|non\b|cancel|annuler|deny\b|refus|stay\b|rester)/i;

/**
 * A logout confirmation form: a POST form; the submitter is the only named
 * submit button, or the one whose value/label reads like a confirmation.
 */
export function findConfirmForm(forms) {
  for (const form of forms.filter((f) => f.method === 'POST')) {
    const named = form.fields.filter((f) => isSubmit(f) && f.name && !f.disabled);
    if (named.length === 0) return { form, submitter: undefined };
    if (named.length === 1 && !CANCEL_RE.test(`${named[0].value} ${named[0].label}`)) return { form, submitter: named[0] };
    const yes = named.find((f) => CONFIRM_RE.test(f.value) && !CANCEL_RE.test(f.value)) ??
      named.find((f) => CONFIRM_RE.test(f.label) && !CANCEL_RE.test(f.label));
    if (yes) return { form, submitter: yes };
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Cookie jar (RFC 6265, the parts a test needs)

function isLoopback(hostname) {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '127.0.0.1' || hostname === '[::1]';
}

export class CookieJar {
  #cookies = []; // {name, value, domain, hostOnly, path, secure, expires}

  /** Store the Set-Cookie headers of a response to `url`. */
  store(url, headers) {
    const u = new URL(url);
    const lines = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
    for (const line of lines) this.setCookie(u, line);
  }

  setCookie(u, line) {
    const [pair, ...attrParts] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (!name) return;
    const c = { name, value, domain: u.hostname, hostOnly: true, path: defaultPath(u), secure: false, expires: undefined };
    for (const part of attrParts) {
      const i = part.indexOf('=');
      const k = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
      const v = i < 0 ? '' : part.slice(i + 1).trim();
      if (k === 'domain' && v) {
        const d = v.replace(/^\./, '').toLowerCase();
        if (u.hostname !== d && !u.hostname.endsWith(`.${d}`)) return; // foreign domain: reject
        c.domain = d;
        c.hostOnly = false;
      } else if (k === 'path' && v.startsWith('/')) {
        c.path = v;
      } else if (k === 'secure') {
        c.secure = true;
      } else if (k === 'max-age' && /^-?\d+$/.test(v)) {
        c.expires = Date.now() + Number(v) * 1000;
      } else if (k === 'expires' && c.expires === undefined) {
        const t = Date.parse(v);
        if (!Number.isNaN(t)) c.expires = t;
      }
    }
    this.#cookies = this.#cookies.filter((o) => !(o.name === c.name && o.domain === c.domain && o.path === c.path));
    if (c.expires === undefined || c.expires > Date.now()) this.#cookies.push(c);
  }

  /** The Cookie header value for a request to `url` (or undefined). */
  header(url) {
    const u = new URL(url);
    const now = Date.now();
    this.#cookies = this.#cookies.filter((c) => c.expires === undefined || c.expires > now);
    const secureOk = u.protocol === 'https:' || isLoopback(u.hostname);
    const matching = this.#cookies
      .filter((c) => (c.hostOnly ? u.hostname === c.domain : u.hostname === c.domain || u.hostname.endsWith(`.${c.domain}`)))
      .filter((c) => pathMatches(u.pathname, c.path))
      .filter((c) => !c.secure || secureOk)
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  get size() {
    return this.#cookies.length;
  }
}

function defaultPath(u) {
  const p = u.pathname;
  if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
  return p.slice(0, p.lastIndexOf('/'));
}

function pathMatches(reqPath, cookiePath) {
  if (reqPath === cookiePath) return true;
  if (!reqPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || reqPath[cookiePath.length] === '/';
}

// ---------------------------------------------------------------------------
// Navigation

export class BrowserError extends Error {}

/**
 * A user agent confined to one origin (the provider's). It follows redirects
 * itself, keeps cookies, and stops as soon as a redirect leaves for a URL that
 * starts with one of `stopAt` (returned, not followed).
 */
export class Browser {
  constructor({ origin, jar = new CookieJar(), timeoutMs = 15000, log = () => {} }) {
    this.origin = new URL(origin).origin;
    this.jar = jar;
    this.timeoutMs = timeoutMs;
    this.log = log;
  }

  async #request(url, { method = 'GET', body, referer } = {}) {
    const headers = {
      accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8',
      'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5',
      'user-agent': 'ent-rp-node-test/1.0 (openid-client)',
    };
    const cookie = this.jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (method === 'POST') {
      headers.origin = this.origin;
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (referer) headers.referer = referer;
    this.log(`${method} ${url}`);
    let res;
    try {
      res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new BrowserError(`${method} ${url} failed: ${err.cause?.message ?? err.message}`);
    }
    this.jar.store(url, res.headers);
    return res;
  }

  /**
   * Navigate (GET, or POST with a URLSearchParams body) and follow redirects.
   * Returns either {kind: 'stop', location: URL} when a redirect targets one of
   * `stopAt`, or {kind: 'page', url, status, html} for a non-redirect response.
   */
  async navigate(url, { method = 'GET', body, referer, stopAt = [], maxRedirects = 20 } = {}) {
    let current = new URL(url).href;
    let m = method;
    let b = body;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      if (new URL(current).origin !== this.origin) {
        throw new BrowserError(`refusing to leave the provider's origin for ${current}`);
      }
      const res = await this.#request(current, { method: m, body: b === undefined ? undefined : b.toString(), referer });
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        const loc = res.headers.get('location');
        await res.arrayBuffer().catch(() => {});
        if (!loc) throw new BrowserError(`${res.status} from ${current} without a Location header`);
        const next = new URL(loc, current);
        this.log(`  -> ${res.status} ${next.href}`);
        if (stopAt.some((p) => next.href.startsWith(p))) return { kind: 'stop', location: next };
        if (!(res.status === 307 || res.status === 308)) {
          m = 'GET';
          b = undefined;
        }
        referer = current;
        current = next.href;
        continue;
      }
      const html = await res.text();
      this.log(`  -> ${res.status} (${res.headers.get('content-type') ?? 'no content-type'}, ${html.length} bytes)`);
      return { kind: 'page', url: current, status: res.status, html, contentType: res.headers.get('content-type') ?? '' };
    }
    throw new BrowserError(`more than ${maxRedirects} redirects starting at ${url}`);
  }

  /** Submit a parsed form (as a browser would after a click on `submitter`). */
  submit(form, data, opts = {}) {
    if (form.method === 'GET') {
      const u = new URL(form.action);
      u.search = data.toString();
      return this.navigate(u, { ...opts, method: 'GET' });
    }
    return this.navigate(form.action, { ...opts, method: 'POST', body: data });
  }
}

/** A short human description of a page, for failure messages. */
export function describePage(page) {
  const title = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(page.html)?.[1];
  const forms = parseForms(page.html, page.url);
  const formSummary = forms
    .map((f) => `${f.method} ${f.action} [${f.fields.filter((x) => x.name).map((x) => `${x.name}:${x.type}`).join(', ')}]`)
    .join(' | ');
  const text = textContent(/<body\b[^>]*>([\s\S]*)<\/body>/i.exec(page.html)?.[1] ?? page.html).slice(0, 300);
  return `HTTP ${page.status} at ${page.url}` +
    (title ? `, title "${textContent(title)}"` : '') +
    (forms.length ? `, forms: ${formSummary}` : ', no form') +
    (text ? `, text: "${text}"` : '');
}
