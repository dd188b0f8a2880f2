'use client';
// Asks the server for a live stock check before payment (Razorpay Checkout would open here;
// see README.md: the order is created by the webhook, never by the browser).
import { useState } from 'react';

export default function StockCheck({ lines }) {
  const [state, setState] = useState(null);
  async function check() {
    setState({ busy: true });
    try {
      const r = await fetch('/api/checkout/stock', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lines }),
      });
      const body = await r.json();
      setState({ ok: r.ok && body.ok, message: body.message });
    } catch {
      setState({ ok: false, message: 'the stock could not be checked, please try again' });
    }
  }
  return (
    <div>
      <p>
        <button className="button" onClick={check} disabled={state && state.busy}>Check stock and pay</button>
      </p>
      {state && !state.busy ? (
        <div className={`notice ${state.ok ? 'ok' : 'short'}`} role="status">{state.message}</div>
      ) : null}
    </div>
  );
}
