// Workbench's service worker: shows the browser notifications the server pushes (Web Push) and opens their link on a
// click. The payload is {title, body, url, tag}; the url is a one-time link of this site that opens after sign-in.
self.addEventListener('push', event => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: 'Workbench', body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(self.registration.showNotification(data.title || 'Workbench', {
    body: data.body || '',
    tag: data.tag || undefined,
    data: { url: data.url || '/' },
    icon: '/favicon.svg',
  }));
});

self.addEventListener('notificationclick', event => {
  event.notification.close();
  const target = new URL(event.notification.data && event.notification.data.url || '/', self.location.origin);
  // Only a page of this site is opened, whatever the payload says.
  const url = target.origin === self.location.origin ? target.href : self.location.origin + '/';
  event.waitUntil(self.clients.openWindow(url));
});
