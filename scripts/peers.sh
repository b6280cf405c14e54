# Sourced by scripts/test and scripts/bench: installs the real peers (when missing) and exports UPLINK_PYTHON.
# Expects `say` to be defined and the working directory to be the package root.

# Debian packages the tests use as real peers: NSD (DNS server), dnsmasq and unbound (the forwarders
# Wi-Fi modules sit behind), mosquitto (MQTT broker and its C clients), RabbitMQ (the second MQTT broker: its MQTT
# plugin; pulls in Erlang), dig, openssl, PostgreSQL (the shared IoT registry's tests: initdb and postgres).
packages=()
command -v python3 >/dev/null 2>&1 || packages+=(python3 python3-venv)
[ -x /usr/sbin/nsd ] || packages+=(nsd)
[ -x /usr/sbin/dnsmasq ] || packages+=(dnsmasq-base)
[ -x /usr/sbin/unbound ] || packages+=(unbound)
[ -x /usr/sbin/mosquitto ] || packages+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || packages+=(mosquitto-clients)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || packages+=(rabbitmq-server)
command -v dig >/dev/null 2>&1 || packages+=(dnsutils)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || packages+=(postgresql)
# The firmware (Embedded Swift on an emulated STM32): QEMU's netduinoplus2, picolibc's memcpy/memset and
# libgcc's 64-bit helpers (gcc-arm-none-eabi, which picolibc pulls in).
command -v qemu-system-arm >/dev/null 2>&1 || packages+=(qemu-system-arm)
[ -d /usr/lib/picolibc/arm-none-eabi ] || packages+=(picolibc-arm-none-eabi)
[ -d /usr/lib/gcc/arm-none-eabi ] || packages+=(gcc-arm-none-eabi)
command -v llvm-size >/dev/null 2>&1 || packages+=(llvm)  # the firmware's size report
if [ ${#packages[@]} -gt 0 ]; then
    # Quiet: one line per package; apt's and dpkg's whole output goes to a log file.
    mkdir -p .build
    install_log="$PWD/.build/peers-install.log"
    say "installing ${#packages[@]} package(s); apt's log: $install_log"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    # Installing must not start the services: the tests start their own, unprivileged.
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
        $sudo apt-get install -y -qq -o Dpkg::Use-Pty=0 "${packages[@]}"; } >"$install_log" 2>&1; then
        say "installing failed; the last lines of $install_log:"
        tail -n 20 "$install_log" >&2
        exit 1
    fi
    for package in "${packages[@]}"; do
        say "installed $(dpkg-query -W -f='${Package} ${Version}' "$package" 2>/dev/null || echo "$package")"
    done
fi

# Python peers (pyserial) in a private virtual environment.
venv=.build-venv
if [ ! -x "$venv/bin/python" ]; then
    say "creating $venv"
    python3 -m venv "$venv" >/dev/null
fi
if ! "$venv/bin/python" -c 'import serial, paho.mqtt, dns.resolver' 2>/dev/null; then
    say "installing pyserial, paho-mqtt, dnspython"
    "$venv/bin/pip" install -q --disable-pip-version-check pyserial paho-mqtt dnspython
fi
# The AWS CLI: the real client of `uplink iot api` (the IoT control plane); the version the reference measured.
if [ ! -x "$venv/bin/aws" ]; then
    say "installing awscli"
    "$venv/bin/pip" install -q --disable-pip-version-check awscli==1.45.11
fi
export UPLINK_PYTHON="$PWD/$venv/bin/python"
