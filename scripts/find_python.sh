#!/bin/sh
# find_python.sh [PYTHON]: print the Python that creates .venv for the Keras backend in $BACKEND
# (default tensorflow): PYTHON (default python3) when that backend has wheels for it (requires-python
# in pyproject.toml: 3.11 for the GloVe package; TensorFlow 2.21's wheels stop at 3.13, JAX's
# reach 3.14), else the newest such python3.X on the PATH, saying so in one line on stderr.
# None: one line on stderr, exit 1.
#
# find_python.sh --backend [PYTHON [VENV]]: print the backend `make` uses when none is named:
# jax when VENV's Python, or (without a VENV) every Python found, is one only JAX has wheels for,
# saying so in one line on stderr the first time; else tensorflow.
TENSORFLOW_PYTHONS="3.11 3.12 3.13"
JAX_PYTHONS="3.11 3.12 3.13 3.14"
CANDIDATES="python3.14 python3.13 python3.12 python3.11"

version_of() {  # "3.12" for a working interpreter, nothing for a missing or broken one
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

one_of() {  # one_of VERSION "LIST"
    case " $2 " in *" $1 "*) [ -n "$1" ] ;; *) false ;; esac
}

if [ "$1" = "--backend" ]; then
    requested=${2:-python3}
    venv=${3:-.venv}
    if [ -x "$venv/bin/python" ]; then
        found=$(version_of "$venv/bin/python")
        if one_of "$found" "$JAX_PYTHONS" && ! one_of "$found" "$TENSORFLOW_PYTHONS"; then
            echo jax
        else
            echo tensorflow
        fi
        exit 0
    fi
    jax_only=
    for candidate in "$requested" $CANDIDATES; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        found=$(version_of "$candidate")
        if one_of "$found" "$TENSORFLOW_PYTHONS"; then
            echo tensorflow
            exit 0
        fi
        if [ -z "$jax_only" ] && one_of "$found" "$JAX_PYTHONS"; then jax_only="$candidate"; fi
    done
    if [ -n "$jax_only" ]; then
        echo "No Python 3.11-3.13 found, for which TensorFlow has wheels: the chapters run on Keras' JAX backend, with $jax_only" >&2
        echo jax
    else
        echo tensorflow
    fi
    exit 0
fi

backend=${BACKEND:-tensorflow}
case "$backend" in
    jax) SUPPORTED=$JAX_PYTHONS ;;
    *) SUPPORTED=$TENSORFLOW_PYTHONS ;;
esac
first=${SUPPORTED%% *}
last=${SUPPORTED##* }
requested=${1:-python3}

found=$(version_of "$requested")
if [ -n "$found" ]; then is="$requested is Python $found"; else is="$requested does not run"; fi
if one_of "$found" "$SUPPORTED"; then
    echo "$requested"
    exit 0
fi
for candidate in $CANDIDATES; do
    if command -v "$candidate" >/dev/null 2>&1 && one_of "$(version_of "$candidate")" "$SUPPORTED"; then
        echo "$is, the course on $backend needs $first-$last: using $candidate" >&2
        echo "$candidate"
        exit 0
    fi
done
echo "No Python $first to $last found ($is; the GloVe package needs 3.11 or newer, $backend's wheels stop at $last): install one, then run e.g. make PYTHON=python3.12 book" >&2
exit 1
