#!/usr/bin/env python3
"""The real Envoy as an oracle: every cluster bcp-render renders from every fixture and every
kgateway golden input, under every release, goes through ../shared/tools/envoy-check (Envoy
1.40 in validate mode). Each cluster must be accepted by Envoy, or be one that bcp-render itself
reported as a predicted NACK ("kgateway would push cluster X and Envoy would reject the
update"); and every predicted NACK must be rejected by Envoy.

    scripts/envoy-oracle.py BIN

Inputs are rendered with --allow-invalid (so predicted NACKs are rendered, as kgateway pushes
them, with a warning); an input a release refuses outright has no clusters to check and is
counted. Identical clusters are checked once per release; every distinct one is renamed
uniquely so that one Envoy run checks a release's whole set.
"""
import csv, glob, json, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, '..', 'shared'))
CHECK = os.path.join(SHARED, 'tools', 'envoy-check', 'run')
GOLDENS = os.path.join(SHARED, 'reference', 'kgateway-goldens')
RELEASES = ['2.1', '2.2', '2.3', '2.4', 'main']
sys.path.insert(0, os.path.join(SHARED, 'tools', 'kgateway-conformance'))
import conformance as harness  # noqa: E402  (the suites' own stream builder)

PREDICTED = re.compile(r'kgateway would push cluster (\S+) and Envoy would reject the update')


def inputs():
    """(label, args, stdin) of every fixture and every distinct golden input set."""
    out = [('fixtures/seed', ['--global-policy-namespace', 'kgateway-system', 'fixtures/seed'], None)]
    for d in sorted(glob.glob(os.path.join(ROOT, 'fixtures', '*', '*', ''))):
        rel = os.path.relpath(d, ROOT).rstrip('/')
        if not rel.startswith(('fixtures/invalid', 'fixtures/kustomize-corpus', 'fixtures/explain')):
            out.append((rel, [rel], None))
    seen = set()
    with open(os.path.join(GOLDENS, 'CASES.tsv'), encoding='utf-8') as f:
        for row in csv.DictReader(f, delimiter='\t'):
            files = tuple(row['inputs'].split(','))
            key = (row['snapshot'], files)
            if key in seen:
                continue
            seen.add(key)
            # As the conformance suites feed it: kgateway's translator harness's load order.
            stream = harness.kgateway_stream(os.path.join(GOLDENS, row['snapshot']), list(files), row['stamp'])
            if stream:
                out.append((f"{row['snapshot'].split('@')[0]}:{row['case']}", ['--namespace', 'default', '-'], stream))
    return out


# Cipher-rule syntax BoringSSL parses, beyond single names: operators, groups, aliases joined
# with "+", strength sorting, and what it refuses (empty rules, unknown words, bad groups).
CIPHER_EXPRESSIONS = ['ALL', '!aNULL', '-ALL', '+AES', 'ECDHE+AESGCM', 'AESGCM+ECDHE', 'kRSA+AES', '@STRENGTH',
                      '[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-AES256-GCM-SHA384]', '[ECDHE-RSA-AES128-GCM-SHA256',
                      'ECDHE-RSA-AES128-GCM-SHA256|AES128-SHA', 'HIGH', 'DEFAULT', 'COMPLEMENTOFALL', 'SSLv3', 'TLSv1',
                      'TLSv1.2', 'TLSv1.3', 'kRSA', 'aECDSA', 'SHA', 'SHA256', 'SHA384', 'FIPS', '3DES', 'CHACHA20',
                      'AES128:', ':AES128', 'NOT-A-CIPHER', 'ecdhe-rsa-aes128-gcm-sha256', 'TLS_AES_128_GCM_SHA256',
                      'TLS_AES_128_GCM_SHA256:AES128-SHA', '-AES128-SHA:AES128-SHA', 'ECDHE-RSA-AES128-GCM-SHA256 ',
                      'DEFAULT:!AES128-SHA', 'DEFAULTAES128-SHA', 'DEFAULTX', 'AES128-SHA:DEFAULT', 'DEFAULT::AES128-SHA']
EXTRA_CURVES = [['P-256', 'P-256'], ['P-256', 'prime256v1'], ['p-256'], ['X448'], ['secp256k1'], ['']]
EXTRA_SIGALGS = [['ecdsa_secp256r1_sha256', 'ecdsa_secp256r1_sha256'], ['RSA+SHA256', 'rsa_pkcs1_sha256'], ['RSA+SHA224'],
                 ['rsa_pss_pss_sha256'], ['ECDSA+'], ['+SHA256'], ['RSA+SHA256+SHA384'], ['']]


def tls_probes():
    """(field, list) probes: every name bcp-render's BoringSSL tables hold, each also mistyped
    and lower-cased, and the rule syntax above. Envoy's verdict is the expected result."""
    with open(os.path.join(ROOT, 'src', 'pipeline', 'nack', 'boringssl.rs'), encoding='utf-8') as f:
        src = f.read()
    def table(name):
        body = re.search(r'const ' + name + r': &\[[^=]*= &\[(.*?)\n\];', src, re.S).group(1)
        return sorted(set(re.findall(r'"([^"]+)"', body)))
    probes = []
    ciphers = table('CIPHERS') + table('TLS13') + table('ALIASES')
    for n in ciphers:
        probes += [('cipherSuites', [n]), ('cipherSuites', [n + 'X']), ('cipherSuites', [n.lower()])]
    probes += [('cipherSuites', [e]) for e in CIPHER_EXPRESSIONS]
    for n in table('CURVES'):
        probes += [('ecdhCurves', [n]), ('ecdhCurves', [n + 'X'])]
    probes += [('ecdhCurves', l) for l in EXTRA_CURVES]
    names = table('SIGALG_NAMES')
    kinds, hashes = zip(*[(a, b) for a, b in re.findall(r'\("([A-Z]+)", "([A-Z0-9]+)", 0x', src)])
    for n in names + [f'{k}+{h}' for k, h in zip(kinds, hashes)]:
        probes += [('signatureAlgorithms', [n]), ('signatureAlgorithms', [n + 'X'])]
    probes += [('signatureAlgorithms', l) for l in EXTRA_SIGALGS]
    return probes


def probe_repos(tmp):
    """One directory per TLS field (a release may lack one), with one Service and one
    BackendConfigPolicy per probe; their (label, args)."""
    by_field = {}
    for field, values in tls_probes():
        by_field.setdefault(field, []).append(values)
    return [(f'TLS {field} probes ({len(v)})', ['--root', tmp, probe_dir(tmp, field, v)]) for field, v in sorted(by_field.items())]


def probe_dir(tmp, field, probes):
    docs = []
    for i, values in enumerate(probes):
        docs.append(f'apiVersion: v1\nkind: Service\nmetadata: {{name: p{i}, namespace: probe}}\nspec:\n  ports: [{{port: 443}}]\n')
        docs.append('apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\n'
                    f'metadata: {{name: p{i}, namespace: probe}}\nspec:\n'
                    f'  targetRefs: [{{group: "", kind: Service, name: p{i}}}]\n'
                    f'  tls:\n    insecureSkipVerify: true\n    parameters:\n      {field}: {json.dumps(values)}\n')
    d = os.path.join(tmp, field)
    os.makedirs(d)
    with open(os.path.join(d, 'probes.yaml'), 'w', encoding='utf-8') as f:
        f.write('---\n'.join(docs))
    return d


def clusters(stdout):
    dec, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(stdout) and stdout[i].isspace():
            i += 1
        if i >= len(stdout):
            return out
        obj, i = dec.raw_decode(stdout, i)
        out.extend(obj if isinstance(obj, list) else [obj])


def render_release(bin_, release, cases):
    """{body: (unique name, predicted?, [where])} and the count of refused inputs."""
    bodies, refused, conflicts = {}, 0, []
    for label, args, stdin in cases:
        cmd = [bin_, 'render', '--output', 'clusters', '--format', 'json', '--kgateway-version', release, '--allow-invalid'] + args
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)
        if p.returncode != 0:
            refused += 1
            continue
        predicted = set(PREDICTED.findall(p.stderr))
        for c in clusters(p.stdout):
            name = c.get('name', '')
            body = json.dumps({k: v for k, v in c.items() if k != 'name'}, sort_keys=True)
            entry = bodies.setdefault(body, [f'c{len(bodies)}~{name}', name in predicted, []])
            entry[2].append(f'{label}: {name}')
            if entry[1] != (name in predicted):
                conflicts.append(f'{release} {label}: cluster {name} predicted differently than the same cluster elsewhere')
            predicted.discard(name)
        conflicts += [f'{release} {label}: predicted NACK for {n}, which is not rendered' for n in sorted(predicted)]
    return bodies, refused, conflicts


def check_release(release, bodies):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f'{release}.json')
        with open(path, 'w', encoding='utf-8') as f:
            for body, (uname, _, _) in bodies.items():
                f.write(json.dumps({'name': uname, **json.loads(body)}) + '\n')
        p = subprocess.run([CHECK, '--json', '-j', '2', path], capture_output=True, text=True)
        if p.returncode == 2 or not p.stdout.strip():
            sys.exit(f'envoy-check could not run ({release}): {p.stderr[-2000:]}')
        report = json.loads(p.stdout)
    return {c['name']: (c['accepted'], c['message']) for f in report['files'] for c in f['clusters']}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    bin_ = os.path.abspath(sys.argv[1])
    cases, problems = inputs(), []
    with tempfile.TemporaryDirectory() as tmp:
        cases += [(label, args, None) for label, args in probe_repos(tmp)]
        problems = run_all(bin_, cases)
    if problems:
        print('\n'.join(problems), file=sys.stderr)
        sys.exit(1)


def run_all(bin_, cases):
    problems = []
    for release in RELEASES:
        bodies, refused, conflicts = render_release(bin_, release, cases)
        problems += conflicts
        verdicts = check_release(release, bodies)
        accepted = rejected_predicted = 0
        for uname, predicted, where in bodies.values():
            ok, message = verdicts[uname]
            if ok and predicted:
                problems.append(f'{release}: predicted NACK, but Envoy accepts {where[0]} (and {len(where) - 1} more)')
            elif not ok and not predicted:
                problems.append(f'{release}: Envoy rejects {where[0]} (and {len(where) - 1} more), unpredicted: {message}')
            accepted += ok
            rejected_predicted += (not ok) and predicted
        print(f'envoy oracle {release}: {len(bodies)} distinct clusters from {len(cases) - refused} inputs '
              f'({refused} refused): {accepted} accepted by Envoy 1.40, {rejected_predicted} rejected as predicted')
    return problems


if __name__ == '__main__':
    main()
