"""The simulated advertiser: a generated world (`world`), one loopback server speaking the
Facebook, Google Ads, LinkedIn and HubSpot APIs from it, and its ground truth (`truth`).

`apis.simulator_server(world)` builds the server: it hands `server.SimulatorServer` the four
vendor APIs (`facebook`, `google`, `linkedin`, `hubspot`), which share the request, response and
fault types of `protocol` and see the server only as a `protocol.Host`. Each module imports only
those before it: `corrupt`, `jsonrows`; `world`; `protocol`; the vendor APIs and `server`;
`apis`, `config` and `truth` (tests/simulator/test_package_structure.py keeps it so).

Nothing is imported here, so that reading a world or its truth does not load the server.
"""
