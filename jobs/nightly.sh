#!/usr/bin/env bash
# Runs a nightly suite (conf/nightly/*.properties): every entry evaluated, compared with its promoted baseline and
# recorded in <output>/history/. Exit 0: no regression; 4: an entry regressed; 3: an evaluation failed.
#   jobs/nightly.sh --suite conf/nightly/demo.properties [--date YYYY-MM-DD] [--fail-on-slowdown]
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/segeval.sh" nightly "$@"
