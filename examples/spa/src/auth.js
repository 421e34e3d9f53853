// Sign up, the recovery key (shown once), log in. Argon2id runs in the worker; the page shows
// its passes as they complete and stays responsive.
import { Session } from './rpc.js';
import { h, clear } from './dom.js';

const LAST_ACCOUNT = 'zkwiki.account';  // the account id only (not secret: the server knows it)

function progressBar(label) {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': label });
  const text = h('span', { class: 'progress-text', text: '' });
  const box = h('div', { class: 'progress', hidden: true }, bar, text);
  return {
    box,
    start() { box.hidden = false; bar.removeAttribute('value'); text.textContent = 'Starting…'; },
    update(done, total) {
      bar.max = total;
      bar.value = done;
      text.textContent = done === 0 ? 'Deriving the key from your passphrase (Argon2id, 64 MiB)…'
                                    : 'Argon2id pass ' + done + ' of ' + total;
    },
    stop() { box.hidden = true; },
  };
}

function field(label, input, hint) {
  const id = input.id;
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    input,
    hint ? h('p', { class: 'hint', id: id + '-hint', text: hint }) : null);
}

function authFrame(root, title, ...content) {
  clear(root,
    h('main', { id: 'main', class: 'auth', tabindex: '-1' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true', text: 'zk' }), 'zkwiki'),
      h('h1', { tabindex: '-1', text: title }),
      ...content,
      h('p', { class: 'fineprint', text: 'Pages are encrypted in this tab before they are sent; the server stores ciphertext only.' })));
  root.querySelector('h1').focus();
}

export function viewLogin(root, app) {
  const account = h('input', {
    id: 'login-account', name: 'username', autocomplete: 'username', required: true, spellcheck: 'false',
    pattern: '[0-9a-fA-F]{32}', 'aria-describedby': 'login-account-hint', value: localStorage.getItem(LAST_ACCOUNT) || '',
  });
  const pass = h('input', { id: 'login-pass', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const progress = progressBar('Unlocking the account');
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Log in' });
  const form = h('form', { class: 'card', 'aria-label': 'Log in' },
    field('Account id', account, '32 hexadecimal digits, shown when the account was created.'),
    field('Passphrase', pass),
    progress.box,
    h('div', { class: 'actions' }, submit,
      h('button', { type: 'button', class: 'link', text: 'Create an account', onclick: () => app.go({ view: 'signup' }) })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = account.value.trim().toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(id)) {
      app.notify('An account id is 32 hexadecimal digits.', 'error');
      account.focus();
      return;
    }
    submit.disabled = true;
    progress.start();
    const session = new Session();
    try {
      const me = await session.call('login', { account: id, passphrase: pass.value }, (d, t) => progress.update(d, t));
      pass.value = '';
      localStorage.setItem(LAST_ACCOUNT, id);
      await app.start(session, me);
    } catch (err) {
      await session.end().catch(() => {});
      progress.stop();
      submit.disabled = false;
      app.showError(err, 'Log in failed');
      pass.focus();
    }
  });
  authFrame(root, 'Log in', form);
  (account.value ? pass : account).focus();
}

export function viewSignup(root, app) {
  const pass = h('input', { id: 'signup-pass', type: 'password', autocomplete: 'new-password', required: true, minlength: 8,
                            'aria-describedby': 'signup-pass-hint' });
  const again = h('input', { id: 'signup-again', type: 'password', autocomplete: 'new-password', required: true });
  const progress = progressBar('Creating the account');
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Create account' });
  const form = h('form', { class: 'card', 'aria-label': 'Create an account' },
    field('Passphrase', pass, 'At least 8 characters; a few unrelated words are best. It never leaves this tab: nobody can reset it for you.'),
    field('Passphrase again', again),
    progress.box,
    h('div', { class: 'actions' }, submit,
      h('button', { type: 'button', class: 'link', text: 'I have an account', onclick: () => app.go({ view: 'login' }) })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (pass.value.length < 8) { app.notify('Choose a passphrase of at least 8 characters.', 'error'); pass.focus(); return; }
    if (pass.value !== again.value) { app.notify('The two passphrases differ.', 'error'); again.focus(); return; }
    submit.disabled = true;
    progress.start();
    const session = new Session();
    try {
      const made = await session.call('createAccount', { passphrase: pass.value }, (d, t) => progress.update(d, t));
      pass.value = again.value = '';
      localStorage.setItem(LAST_ACCOUNT, made.account);
      viewRecovery(root, app, session, made);
    } catch (err) {
      await session.end().catch(() => {});
      progress.stop();
      submit.disabled = false;
      app.showError(err, 'Could not create the account');
    }
  });
  authFrame(root, 'Create an account', form);
  pass.focus();
}

// The recovery key, once: it is in no store, and it is gone from the DOM after "Continue".
function viewRecovery(root, app, session, made) {
  const { recoveryKey, ...me } = made;
  const copy = (text, what) => h('button', {
    type: 'button', class: 'small', text: 'Copy',
    'aria-label': 'Copy the ' + what,
    onclick: async () => {
      try { await navigator.clipboard.writeText(text); app.notify('Copied the ' + what + '.', 'ok'); } catch {
        app.notify('Copying is not allowed here: select the text and copy it yourself.', 'warn');
      }
    },
  });
  const saved = h('input', { type: 'checkbox', id: 'recovery-saved' });
  const next = h('button', { type: 'button', class: 'primary', disabled: true, text: 'Continue to my wiki' });
  saved.addEventListener('change', () => { next.disabled = !saved.checked; });
  next.addEventListener('click', async () => {
    next.disabled = true;
    clear(root);
    try { await app.start(session, me); } catch (err) { app.showError(err); }
  });
  authFrame(root, 'Save your recovery key',
    h('div', { class: 'card' },
      h('p', { text: 'Your account is ready. Keep these two things: you need the account id to log in, and the recovery key if you forget your passphrase. The recovery key is shown only now; nobody, not even the server, can show it again.' }),
      h('div', { class: 'secret-row' }, h('span', { class: 'label', text: 'Account id' }),
        h('code', { class: 'account-id', text: me.account }), copy(me.account, 'account id')),
      h('div', { class: 'secret-row' }, h('span', { class: 'label', text: 'Recovery key' }),
        h('code', { class: 'recovery-key', text: recoveryKey }), copy(recoveryKey, 'recovery key')),
      h('p', { class: 'hint', text: 'Fingerprint of your public keys (read it to people who share with you): ' + me.fingerprint }),
      h('div', { class: 'field check' }, saved,
        h('label', { for: 'recovery-saved', text: 'I saved the recovery key somewhere safe, away from this device.' })),
      h('div', { class: 'actions' }, next)));
}
