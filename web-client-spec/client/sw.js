// TaoStream's service worker: shows the alerts the server pushes (RFC 8291 payloads the browser
// has already decrypted), and opens the dashboard when one is clicked.
"use strict";

self.addEventListener("push", (event) => {
  let message = { title: "TaoStream alert", body: "A dividend changed." };
  try { message = event.data.json(); } catch (error) { /* keep the generic text */ }
  event.waitUntil(self.registration.showNotification(message.title, {
    body: message.body,
    tag: message.alert_id,
    data: { delivery: message.delivery_id },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((windows) =>
    windows.length > 0 ? windows[0].focus() : self.clients.openWindow("/")));
});
