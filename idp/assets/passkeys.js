// Passkey ceremonies for the provider's pages: the only script the provider serves, from its own
// origin. A form with class "passkey" names its ceremony (data-ceremony: discover, authenticate
// or register); on submit the script asks /passkeys/options for the options (bound server-side
// to this browser's session, waiting login or login request), lets the browser create or use the
// passkey, puts the answer in the form's hidden fields and submits the form for real. Forms of
// class "passkey-capable" learn whether this device can make a passkey (the invitation after a
// password login is offered only then).
'use strict';

(function () {
  const b64u = {
    decode(s) {
      const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
      return Uint8Array.from(b, (c) => c.charCodeAt(0)).buffer;
    },
    encode(buf) {
      let s = '';
      for (const byte of new Uint8Array(buf)) s += String.fromCharCode(byte);
      return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    },
  };

  const supported = () => typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;

  function creationOptions(pk) {
    const o = Object.assign({}, pk);
    o.challenge = b64u.decode(pk.challenge);
    o.user = Object.assign({}, pk.user, { id: b64u.decode(pk.user.id) });
    o.excludeCredentials = (pk.excludeCredentials || []).map((c) => Object.assign({}, c, { id: b64u.decode(c.id) }));
    return o;
  }

  function requestOptions(pk) {
    const o = Object.assign({}, pk);
    o.challenge = b64u.decode(pk.challenge);
    o.allowCredentials = (pk.allowCredentials || []).map((c) => Object.assign({}, c, { id: b64u.decode(c.id) }));
    return o;
  }

  function registrationJson(cred) {
    return {
      id: cred.id,
      rawId: b64u.encode(cred.rawId),
      type: cred.type,
      response: {
        attestationObject: b64u.encode(cred.response.attestationObject),
        clientDataJSON: b64u.encode(cred.response.clientDataJSON),
        transports: cred.response.getTransports ? cred.response.getTransports() : [],
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    };
  }

  function assertionJson(cred) {
    const r = cred.response;
    return {
      id: cred.id,
      rawId: b64u.encode(cred.rawId),
      type: cred.type,
      response: {
        authenticatorData: b64u.encode(r.authenticatorData),
        clientDataJSON: b64u.encode(r.clientDataJSON),
        signature: b64u.encode(r.signature),
        userHandle: r.userHandle ? b64u.encode(r.userHandle) : null,
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    };
  }

  function field(form, name) {
    return form.querySelector(`input[name="${name}"]`);
  }

  async function ceremony(form) {
    const kind = form.dataset.ceremony;
    const body = { ceremony: kind, csrf: field(form, 'csrf').value };
    const req = field(form, 'req');
    if (req && req.value) body.req = req.value;
    const res = await fetch('/passkeys/options', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`options: ${res.status}`);
    const { challenge, options } = await res.json();
    let answer;
    if (kind === 'register') {
      const cred = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
      answer = registrationJson(cred);
    } else {
      // A modal choice of passkey: the conditional mediation webauthn-rs suggests is for
      // autofill, which these pages do not use.
      const cred = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
      answer = assertionJson(cred);
    }
    field(form, 'challenge').value = challenge;
    field(form, 'credential').value = JSON.stringify(answer);
    HTMLFormElement.prototype.submit.call(form);
  }

  function start() {
    for (const form of document.querySelectorAll('form.passkey')) {
      if (!supported()) continue;
      form.hidden = false;
      const error = form.querySelector('.passkey-error');
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        if (error) error.hidden = true;
        ceremony(form).catch(() => {
          if (error) error.hidden = false;
        });
      });
    }
    for (const form of document.querySelectorAll('form.passkey-capable')) {
      if (!supported() || !PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable) continue;
      PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable().then((yes) => {
        const f = field(form, 'passkey_capable');
        if (yes && f) f.value = '1';
      }, () => {});
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
