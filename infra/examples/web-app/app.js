// The sample app talks to the login service on its own origin: /session says who is signed in,
// /api/ calls the protected API with the session (and the X-CSRF header every call needs), and
// the logout link comes from /session, since only this origin's pages can read the session id.
const $ = (id) => document.getElementById(id);

async function showSession() {
  const answer = await fetch('/session', { headers: { accept: 'application/json' } });
  if (answer.status === 401) {
    $('status').textContent = 'Not signed in.';
    $('sign-in').hidden = false;
    return;
  }
  if (!answer.ok) {
    $('status').textContent = `The session could not be read (${answer.status}).`;
    return;
  }
  const session = await answer.json();
  $('status').textContent = `Signed in as ${session.name || session.email || session.sub}.`;
  $('session').textContent = JSON.stringify(session, null, 2);
  $('sign-out').href = session.logoutUrl;
  $('sign-out').hidden = false;
  $('signed-in').hidden = false;
}

$('api-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  // Every path under /api/ goes to the protected API; the path is the API's own.
  const path = $('api-path').value.replace(/^\/+/, '');
  const answer = await fetch(`/api/${path}`, { headers: { 'x-csrf': '1', accept: 'application/json' } });
  const text = await answer.text();
  $('api-result').textContent = `${answer.status}\n${text.slice(0, 2000)}`;
});

showSession().catch(() => {
  $('status').textContent = 'The login service could not be reached.';
});
