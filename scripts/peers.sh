# Sourced by scripts/test and scripts/bench: installs the real peers (when missing) and exports UPLINK_PYTHON.
# Expects `say` to be defined and the working directory to be the package root.

# Debian packages the tests use as real peers: NSD (DNS server), mosquitto (MQTT broker and its
# C clients), dig, openssl.
packages=()
command -v python3 >/dev/null 2>&1 || packages+=(python3 python3-venv)
[ -x /usr/sbin/nsd ] || packages+=(nsd)
[ -x /usr/sbin/mosquitto ] || packages+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || packages+=(mosquitto-clients)
command -v dig >/dev/null 2>&1 || packages+=(dnsutils)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
if [ ${#packages[@]} -gt 0 ]; then
    say "installing ${packages[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    # Installing must not start the services: the tests start their own, unprivileged.
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq "${packages[@]}"
fi

# Python peers (pyserial) in a private virtual environment.
venv=.build-venv
if [ ! -x "$venv/bin/python" ]; then
    say "creating $venv"
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import serial, paho.mqtt, dns.resolver' 2>/dev/null; then
    say "installing pyserial, paho-mqtt, dnspython"
    "$venv/bin/pip" install -q pyserial paho-mqtt dnspython
fi
export UPLINK_PYTHON="$PWD/$venv/bin/python"
