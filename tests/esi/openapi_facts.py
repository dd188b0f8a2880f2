#!/usr/bin/env python3
"""Derives the facts the ESI tests rely on from CCP's ESI OpenAPI document.

The document itself is CCP's (shared/fixtures/esi/openapi.yaml, compatibility date
2026-08-18) and is not copied into this repository; tests/fixtures/esi/openapi_facts.json
holds only what the tests check against it: the routes erplink's typed helpers call, and the
property and required names of the schemas of their items.

  openapi_facts.py OPENAPI.yaml > tests/fixtures/esi/openapi_facts.json   regenerate
  openapi_facts.py --check OPENAPI.yaml FACTS.json                       compare (a test)
"""
import json
import os
import sys

ROUTES = ['/characters/{character_id}/assets', '/markets/{region_id}/orders',
          '/characters/{character_id}/blueprints', '/characters/{character_id}/wallet/transactions',
          '/characters/{character_id}/mail', '/universe/names']
SCHEMAS = ['CharactersCharacterIdAssetsGet_inner', 'MarketsRegionIdOrdersGet_inner',
           'CharactersCharacterIdBlueprintsGet_inner', 'CharactersCharacterIdWalletTransactionsGet_inner',
           'PostCharactersCharacterIdMail_request', 'PostCharactersCharacterIdMail_request_recipients_inner',
           'UniverseNamesPost_inner']


def facts(path):
    import yaml  # PyYAML; only needed to regenerate or check
    with open(path, encoding='utf-8') as f:
        doc = yaml.safe_load(f)
    out = {'source': 'ESI OpenAPI, compatibility date %s' % doc.get('info', {}).get('version', '?'),
           'routes': {}, 'schemas': {}}
    for r in ROUTES:
        item = doc['paths'].get(r)
        if item is None:
            raise SystemExit('route %s is not in %s' % (r, path))
        out['routes'][r] = sorted(m for m in item if m in ('get', 'post', 'put', 'delete'))
    for s in SCHEMAS:
        sch = doc['components']['schemas'][s]
        out['schemas'][s] = {'properties': sorted(sch.get('properties', {})),
                             'required': sorted(sch.get('required', []))}
    return out


def main():
    args = sys.argv[1:]
    if args and args[0] == '--check':
        spec, facts_file = os.environ.get('ERPLINK_ESI_OPENAPI') or args[1], args[2]
        try:
            open(spec).close()
        except OSError:
            print('Bail out! this test needs the ESI OpenAPI document at %s '
                  '(shared/fixtures/esi/openapi.yaml beside the clone, or $ERPLINK_ESI_OPENAPI)' % spec)
            return 1
        want = facts(spec)
        with open(facts_file, encoding='utf-8') as f:
            have = json.load(f)
        have.pop('source', None)
        want.pop('source', None)
        print('1..1')
        if have == want:
            print('ok 1 - %s matches the OpenAPI document' % facts_file)
            return 0
        print('not ok 1 - %s differs from the OpenAPI document: regenerate it' % facts_file)
        return 1
    json.dump(facts(args[0]), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
