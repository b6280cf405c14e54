// The child-process launcher, the free ports and the mosquitto and NSD launchers live in UplinkProcess (shared with
// uplink-bench); every test that imports UplinkTestSupport sees them.
@_exported import UplinkProcess
