// Subscribes this browser to the signed-in person's notifications (Web Push) and posts the subscription to the
// server; unsubscribes it again. Each function answers {ok, message}: the page shows the message as it is.

function keyBytes(base64Url) {
  const padded = (base64Url + '='.repeat((4 - base64Url.length % 4) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(padded), c => c.charCodeAt(0));
}

function supported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

async function existing() {
  const registration = await navigator.serviceWorker.getRegistration('/');
  return registration ? await registration.pushManager.getSubscription() : null;
}

export async function state() {
  if (!supported()) {
    return { supported: false, permission: 'unsupported', subscribed: false };
  }
  const subscription = await existing();
  return { supported: true, permission: Notification.permission, subscribed: subscription !== null };
}

async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.ok) {
    return { ok: true, message: '' };
  }
  let detail = '';
  try {
    const problem = await response.json();
    detail = problem.errors ? Object.values(problem.errors).flat().join(' ') : (problem.detail || problem.title || '');
  } catch {
    detail = '';
  }
  return { ok: false, message: `The server refused the subscription (${response.status}). ${detail}`.trim() };
}

export async function subscribe(publicKey) {
  if (!supported()) {
    return { ok: false, message: 'This browser cannot receive notifications from web pages.' };
  }
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    return { ok: false, message: 'The browser did not allow notifications for Workbench; allow them in its site settings and try again.' };
  }
  let subscription;
  try {
    const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    subscription = await registration.pushManager.getSubscription()
      || await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
  } catch (e) {
    return { ok: false, message: `The browser's push service did not give a subscription: ${e && e.message ? e.message : e}` };
  }
  return await post('/api/v1/me/push-subscriptions', subscription.toJSON());
}

export async function unsubscribe() {
  if (!supported()) {
    return { ok: true, message: '' };
  }
  const subscription = await existing();
  if (!subscription) {
    return { ok: true, message: '' };
  }
  const answer = await post('/api/v1/me/push-subscriptions/remove', { endpoint: subscription.endpoint });
  await subscription.unsubscribe();
  return answer;
}
