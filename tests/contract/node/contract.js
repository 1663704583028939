// Flutterwave's official Node client (flutterwave-node-v3, pinned in package.json) against a
// live Roadpass sandbox: every answer is checked as the SDK hands it to its user.
//
// Usage: SANDBOX_URL=http://127.0.0.1:PORT/sandbox/flutterwave FLW_SECRET_KEY=... node contract.js
// Prints one line per step and "N passed, 0 failed"; exits 1 on the first failed step.
//
// Nothing leaves the machine: the SDK's telemetry module (utils/logger.js: an identity lookup on
// api.ravepay.co and events posted to an ingestion host, sent from the constructor and from
// every request) is replaced by no-ops before the SDK loads, and every outgoing socket to an
// address other than loopback is refused and counted; the run fails if there was any.

'use strict';

const assert = require('node:assert/strict');
const net = require('node:net');
const path = require('node:path');

// -- no traffic but to loopback -----------------------------------------------------------

const refused = [];
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const options = typeof args[0] === 'object' && args[0] !== null ? args[0] : { host: args[1] };
  const host = options.host || options.hostname || 'localhost';
  if (!options.path && !LOOPBACK.test(host)) {
    refused.push(host);
    throw new Error(`contract test: connection to ${host} refused (loopback only)`);
  }
  return connect.apply(this, args);
};

const sdkRoot = path.dirname(require.resolve('flutterwave-node-v3/package.json'));
const telemetry = require.resolve(path.join(sdkRoot, 'utils', 'logger.js'));
require.cache[telemetry] = {
  id: telemetry,
  filename: telemetry,
  loaded: true,
  exports: {
    init: () => Promise.resolve(),
    logRequest: async () => {},
    logError: async () => {},
    logTransaction: async () => {},
  },
};

const Flutterwave = require('flutterwave-node-v3');

// -- the run ------------------------------------------------------------------------------

const SANDBOX = process.env.SANDBOX_URL.replace(/\/$/, '');
const SECRET = process.env.FLW_SECRET_KEY;
const PUBLIC = process.env.FLW_PUBLIC_KEY || 'FLWPUBK_TEST-roadpass-sandbox-X';
const AUTH = { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' };

// The SDK joins its base URL and its paths as strings, and its paths start with "v3/" for
// some calls and "/v3/" for others (transactions list, events, balances): with a base ending
// in "/", the latter arrive as "//v3/…", which the sandbox, like any Werkzeug app, answers with
// a 308 to the single-slash path; fetch follows it on the same origin, Authorization included.
const flw = new Flutterwave(PUBLIC, SECRET, `${SANDBOX}/`);

let passed = 0;
async function step(name, run) {
  try {
    await run();
  } catch (error) {
    console.log(`FAIL ${name}: ${error.message}`);
    console.log(`${passed} passed, 1 failed`);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok   ${name}`);
}

function isWhole(value) {
  return typeof value === 'number' && Number.isInteger(value);
}

async function main() {
  const txRef = `SDK-${Date.now()}`;
  let link;
  let transactionId;
  let partial;
  let rest;

  await step('create a hosted payment (POST /v3/payments; the SDK has no call for it)', async () => {
    const answer = await fetch(`${SANDBOX}/v3/payments`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({
        tx_ref: txRef,
        amount: 10000,
        currency: 'NGN',
        redirect_url: 'http://127.0.0.1:9/back',
        customer: { email: 'sdk@example.com', name: 'Node Client', phonenumber: '08031234567' },
        customizations: { title: 'Contract test' },
        session_duration: 30,
      }),
    });
    const body = await answer.json();
    assert.equal(answer.status, 200);
    assert.equal(body.status, 'success');
    assert.equal(body.message, 'Hosted Link');
    link = body.data.link;
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/flutterwave\/checkout\//);
  });

  await step('pay on the hosted page (POST the outcome form)', async () => {
    const answer = await fetch(link, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'outcome=successful',
    });
    assert.equal(answer.status, 303);
    const back = new URL(answer.headers.get('location'));
    assert.equal(back.searchParams.get('status'), 'successful');
    assert.equal(back.searchParams.get('tx_ref'), txRef);
    transactionId = back.searchParams.get('transaction_id');
    assert.match(transactionId, /^\d+$/);
    console.log(`transaction ${transactionId}`);
  });

  await step('Transaction.verify by id', async () => {
    const answer = await flw.Transaction.verify({ id: Number(transactionId) });
    assert.equal(answer.status, 'success');
    assert.equal(answer.message, 'Transaction fetched successfully');
    const data = answer.data;
    assert.equal(data.id, Number(transactionId));
    assert.equal(data.tx_ref, txRef);
    assert.equal(data.status, 'successful');
    assert.equal(data.currency, 'NGN');
    assert.ok(isWhole(data.amount) && data.amount === 10000, `amount ${data.amount}`);
    assert.ok(isWhole(data.charged_amount) && isWhole(data.app_fee) && isWhole(data.merchant_fee));
    assert.equal(data.customer.email, 'sdk@example.com');
    assert.match(data.card.token, /^flw-t1nf-/);
  });

  await step('Transaction.verify_by_tx by reference', async () => {
    const answer = await flw.Transaction.verify_by_tx({ tx_ref: txRef });
    assert.equal(answer.status, 'success');
    assert.equal(answer.data.id, Number(transactionId));
    assert.equal(answer.data.amount, 10000);
  });

  await step('Transaction.verify of an unknown id reads as an error envelope', async () => {
    const answer = await flw.Transaction.verify({ id: 1 });
    assert.deepEqual(answer, {
      status: 'error',
      message: 'No transaction was found for this id',
      data: null,
    });
  });

  await step('Transaction.fetch lists transactions', async () => {
    const answer = await flw.Transaction.fetch({ tx_ref: txRef });
    assert.equal(answer.status, 'success');
    assert.deepEqual(
      answer.data.map((t) => t.id),
      [Number(transactionId)],
    );
    assert.equal(answer.meta.page_info.total, 1);
    assert.equal(answer.meta.page_info.current_page, 1);
  });

  await step('Transaction.fee', async () => {
    const answer = await flw.Transaction.fee({ amount: 10000, currency: 'NGN' });
    assert.equal(answer.status, 'success');
    assert.equal(answer.data.charge_amount, 10000);
    assert.equal(answer.data.fee, 140);
    assert.equal(answer.data.currency, 'NGN');
  });

  await step('Transaction.event (the timeline)', async () => {
    const answer = await flw.Transaction.event({ id: Number(transactionId) });
    assert.equal(answer.status, 'success');
    assert.ok(Array.isArray(answer.data) && answer.data.length > 0);
    assert.equal(answer.data.at(-1).type, 'Charge.Completed');
  });

  await step('Transaction.refund, partially', async () => {
    // The docs' own sample passes `comments`; this SDK's schema refuses it ("comments" is not
    // allowed), so the SDK's refunds carry no comment. We follow the SDK here (it is what we
    // are testing) and the docs in our own client, which sends `comments` (see payouts.marker).
    const answer = await flw.Transaction.refund({ id: transactionId, amount: 2500 });
    assert.equal(answer.status, 'success');
    assert.equal(answer.message, 'Transaction refund initiated');
    partial = answer.data;
    assert.equal(partial.tx_id, Number(transactionId));
    assert.ok(isWhole(partial.amount_refunded) && partial.amount_refunded === 2500);
    assert.equal(partial.status, 'completed');
    assert.equal(partial.destination, 'payment_source');
    assert.match(partial.flw_ref, /^URF_/);
  });

  await step('Transaction.refund, the rest', async () => {
    // The docs make `amount` optional (no amount: refund in full); the SDK's schema requires
    // it, so an SDK user names the remainder, as here. The sandbox accepts both.
    const answer = await flw.Transaction.refund({ id: transactionId, amount: 7500 });
    assert.equal(answer.status, 'success');
    rest = answer.data;
    assert.equal(rest.amount_refunded, 7500);
    assert.notEqual(rest.flw_ref, partial.flw_ref);
  });

  await step('a refund past the balance is refused with an error envelope', async () => {
    const answer = await flw.Transaction.refund({ id: transactionId, amount: 1 });
    assert.equal(answer.status, 'error');
    assert.match(answer.message, /exceeds/);
    assert.equal(answer.data, null);
  });

  await step('fetch the refunds (GET /v3/refunds; the SDK has no call for it)', async () => {
    const answer = await fetch(`${SANDBOX}/v3/refunds?transaction_id=${transactionId}`, {
      headers: AUTH,
    });
    const body = await answer.json();
    assert.equal(body.status, 'success');
    const listed = body.data.map((r) => [r.id, r.transaction_id, r.amount_refunded, r.flw_ref]);
    assert.deepEqual(
      listed.sort((a, b) => a[0] - b[0]),
      [
        [partial.id, Number(transactionId), 2500, partial.flw_ref],
        [rest.id, Number(transactionId), 7500, rest.flw_ref],
      ],
    );
    assert.equal(body.data.find((r) => r.id === partial.id).comment, '');
  });

  await step('Transaction.resend_hooks', async () => {
    const answer = await flw.Transaction.resend_hooks({ id: Number(transactionId) });
    assert.deepEqual(answer, {
      status: 'success',
      message: 'hook sent successfully',
      data: 'hook sent',
    });
  });

  await step('Misc.bal and Misc.bal_currency', async () => {
    const all = await flw.Misc.bal();
    assert.equal(all.status, 'success');
    assert.ok(all.data.some((b) => b.currency === 'NGN'));
    const naira = await flw.Misc.bal_currency({ currency: 'NGN' });
    assert.equal(naira.status, 'success');
    assert.equal(naira.data.currency, 'NGN');
    assert.equal(typeof naira.data.available_balance, 'number');
  });

  await step('a route the sandbox lacks answers a JSON 404 the SDK can read', async () => {
    const answer = await flw.Subaccount.fetch_all();
    assert.equal(answer.status, 'error');
    assert.equal(answer.data, null);
  });

  await step('a wrong key answers 401 Authorization required', async () => {
    const stranger = new Flutterwave(PUBLIC, 'FLWSECK_TEST-wrong-X', `${SANDBOX}/`);
    const answer = await stranger.Transaction.verify({ id: Number(transactionId) });
    assert.deepEqual(answer, { status: 'error', message: 'Authorization required', data: null });
  });

  await step('nothing was sent anywhere but loopback', async () => {
    assert.deepEqual(refused, []);
  });

  console.log(`${passed} passed, 0 failed`);
}

main().catch((error) => {
  console.log(`FAIL ${error.stack}`);
  process.exit(1);
});
