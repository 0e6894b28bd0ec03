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
    if problems:
        print('\n'.join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
