import { useState } from 'react';
import { data } from 'react-router';
import { TransferProgress, advance, startTransfer, type Transfer } from '../components/bid/transfer-progress';
import { saveFile } from '../lib/save-file';

/**
 * /dev/seal: a development and test page, off unless the web server runs with GGZY_DEV_ROUTES=true
 * (the browser tests do). It seals one file to any certificate, and opens any envelope with any
 * PKCS#12 file, with the bid page's own workers, so the tests can check both directions against
 * `ggzy seal` / `ggzy open` in either suite: the bid page itself only ever seals to what
 * bidding.sealingInfo names, and no section takes the GM/T suite yet. Not translated: it is not a
 * page for people.
 */
export function loader() {
  if (process.env.GGZY_DEV_ROUTES !== 'true') throw data(null, { status: 404 });
  return null;
}

/** The schedule sealed with every dev bundle (the tests read it back). */
const DEV_SCHEDULE = { version: 1 as const, priceFen: 100, durationDays: 1, quality: 'dev', bondReference: 'dev' };

export default function DevSeal() {
  const [pem, setPem] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [transfer, setTransfer] = useState<Transfer | null>(null);
  const [result, setResult] = useState<{ sha256: string; suite: string; bytes: number } | { error: string } | null>(null);

  async function seal(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) return;
    setResult(null);
    try {
      const workers = await import('../lib/bid/workers.client');
      const { SUITE_RSA_AES, SUITE_SM2_SM4 } = await import('@ggzy/crypto');
      const key = await workers.certificateKey(pem);
      if (!key.spki) throw new Error('the certificate cannot be read');
      const opfsName = `dev-${crypto.randomUUID()}.ggzyenv`;
      setTransfer(startTransfer(file.size));
      const summary = await workers.sealInWorker(
        {
          type: 'seal',
          opfsName,
          schedule: DEV_SCHEDULE,
          files: [{ part: 'technical', name: file.name, file }],
          recipients: [{ role: 'bidder', publicKeySpki: key.spki }],
          metadata: { section: 'DEV', bidder: 'DEV' },
          suite: key.algorithm === 'sm2' ? SUITE_SM2_SM4 : SUITE_RSA_AES,
          chunkSize: 4 * 1024 * 1024,
          maxEnvelopeBytes: 2 ** 32,
        },
        (p) => setTransfer((t) => advance(t ?? startTransfer(p.totalBytes), p.plaintextBytes, p.totalBytes)),
      ).done;
      const { envelopeFile, removeEnvelope } = await import('../lib/bid/local-bid');
      const sealed = await envelopeFile(opfsName);
      // A copy in memory: a download backed by the OPFS file would break when the file is removed.
      if (sealed) saveFile(new Blob([await sealed.arrayBuffer()]), `${file.name}.ggzyenv`);
      await removeEnvelope(opfsName);
      setResult({ sha256: summary.ciphertextSha256, suite: summary.suite, bytes: summary.envelopeBytes });
    } catch (error) {
      setResult({ error: error instanceof Error ? error.message : String(error) });
    }
  }

  return (
    <section className="panel">
      <h1>Dev: seal a file in the browser</h1>
      <form className="stacked-form" onSubmit={seal}>
        <label>
          Certificate (PEM)
          <textarea name="certificatePem" rows={6} className="mono small" value={pem} onChange={(e) => setPem(e.target.value)} />
        </label>
        <label>
          File
          <input type="file" name="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <button type="submit" className="button" data-testid="dev-seal">
          Seal
        </button>
      </form>
      {transfer ? <TransferProgress transfer={transfer} label="sealing" testId="dev-seal-progress" /> : null}
      {result && 'sha256' in result ? (
        <p data-testid="dev-sealed" data-sha256={result.sha256} data-suite={result.suite} data-bytes={result.bytes}>
          sealed {result.bytes} bytes, {result.suite}, SHA-256 {result.sha256}
        </p>
      ) : result ? (
        <p className="alert alert-error" data-testid="dev-seal-error">
          {result.error}
        </p>
      ) : null}
      <DevOpen />
    </section>
  );
}

function DevOpen() {
  const [envelope, setEnvelope] = useState<File | null>(null);
  const [p12, setP12] = useState<File | null>(null);
  const [password, setPassword] = useState('');
  const [result, setResult] = useState<{ sha256: string; bytes: number } | { error: string } | null>(null);

  async function openIt(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!envelope || !p12) return;
    setResult(null);
    try {
      const workers = await import('../lib/bid/workers.client');
      const opened = await workers.openInWorker({ type: 'open', envelope: { file: envelope }, p12: new Uint8Array(await p12.arrayBuffer()), password });
      setResult({ sha256: opened.sha256, bytes: opened.plaintextBytes });
    } catch (error) {
      setResult({ error: error instanceof Error ? error.message : String(error) });
    }
  }

  return (
    <form className="stacked-form" onSubmit={openIt}>
      <h2>Open an envelope</h2>
      <label>
        Envelope
        <input type="file" name="envelope" onChange={(e) => setEnvelope(e.target.files?.[0] ?? null)} />
      </label>
      <label>
        PKCS#12
        <input type="file" name="p12" onChange={(e) => setP12(e.target.files?.[0] ?? null)} />
      </label>
      <label>
        Password
        <input type="password" name="p12Password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" className="button" data-testid="dev-open">
        Open
      </button>
      {result && 'sha256' in result ? (
        <p data-testid="dev-opened" data-sha256={result.sha256} data-bytes={result.bytes}>
          opened {result.bytes} bytes, SHA-256 {result.sha256}
        </p>
      ) : result ? (
        <p className="alert alert-error" data-testid="dev-open-error">
          {result.error}
        </p>
      ) : null}
    </form>
  );
}
