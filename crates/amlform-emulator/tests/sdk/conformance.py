"""The emulator driven by an official Azure SDK that no one here wrote.

`azure-mgmt-machinelearningservices` (pinned in requirements.txt) goes through the life of
every compute kind against an emulator: create, read, list, partial updates, PATCH, start, stop
and restart, attach and detach, secrets, deletes, and the refusals the service answers. Each
step is checked with the SDK's own models and long-running-operation pollers, so a response the
SDK cannot read, or an operation its poller cannot follow, fails here.

Usage: python conformance.py ENDPOINT CA_FILE
Prints one line per step and `conformance: N passed, M failed`; exits 1 if any step failed.
"""

import sys
import time
import traceback

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.machinelearningservices import MachineLearningServicesMgmtClient
from azure.mgmt.machinelearningservices import models

SUBSCRIPTION = "00000000-0000-0000-0000-00000000c0de"
GROUP = "sdk-rg"
WORKSPACE = "sdk-ws"
LOCATION = "eastus"


class FixedToken:
    """Any bearer token will do for the emulator."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("sdk-conformance", int(time.time()) + 3600)


def resource_id(provider, name, group="attached-rg"):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/{provider}/{name}"


class Run:
    def __init__(self, client):
        self.client = client
        self.computes = client.compute
        self.passed = 0
        self.failed = []

    def step(self, name, check):
        try:
            check()
        except Exception:  # every failure is reported, and the run goes on
            self.failed.append(name)
            print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
        else:
            self.passed += 1
            print(f"ok   {name}", flush=True)

    def put(self, name, properties, **envelope):
        poller = self.computes.begin_create_or_update(
            GROUP, WORKSPACE, name, models.ComputeResource(location=LOCATION, properties=properties, **envelope)
        )
        return poller.result()

    def get(self, name):
        return self.computes.get(GROUP, WORKSPACE, name)

    def delete(self, name, action):
        self.computes.begin_delete(GROUP, WORKSPACE, name, underlying_resource_action=action).result()

    def refused(self, code, call):
        try:
            call()
        except HttpResponseError as error:
            got = error.error.code if error.error else None
            assert got == code, f"expected {code}, got {got}: {error.message}"
            return
        raise AssertionError(f"expected a refusal with {code}")


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def cluster_life(run):
    def create():
        made = run.put(
            "sdk-cpu",
            models.AmlCompute(
                properties=models.AmlComputeProperties(
                    vm_size="STANDARD_D2_V2",
                    vm_priority="Dedicated",
                    os_type="Linux",
                    scale_settings=models.ScaleSettings(max_node_count=4, min_node_count=0, node_idle_time_before_scale_down="PT5M"),
                    remote_login_port_public_access="NotSpecified",
                )
            ),
        )
        expect(made.properties.provisioning_state == "Succeeded", made.properties.provisioning_state)
        access = made.properties.properties.remote_login_port_public_access
        expect(access in ("Enabled", "Disabled"), f"remote login access after creation: {access}")

    def read():
        got = run.get("sdk-cpu")
        expect(isinstance(got.properties, models.AmlCompute), type(got.properties))
        expect(got.properties.properties.scale_settings.max_node_count == 4, got.properties.properties.scale_settings)

    def partial_update():
        # Only scaleSettings and a description, as the "Update a AML Compute" example.
        run.put(
            "sdk-cpu",
            models.AmlCompute(
                description="scaled by the SDK",
                properties=models.AmlComputeProperties(scale_settings=models.ScaleSettings(max_node_count=6)),
            ),
        )
        got = run.get("sdk-cpu").properties
        expect(got.properties.vm_size.upper() == "STANDARD_D2_V2", f"vmSize kept: {got.properties.vm_size}")
        expect(got.properties.os_type == "Linux", f"osType kept: {got.properties.os_type}")
        expect(got.properties.scale_settings.max_node_count == 6, got.properties.scale_settings)
        expect(got.description == "scaled by the SDK", got.description)

    def patch():
        result = run.computes.begin_update(
            GROUP,
            WORKSPACE,
            "sdk-cpu",
            models.ClusterUpdateParameters(
                properties=models.ScaleSettingsInformation(scale_settings=models.ScaleSettings(max_node_count=3, min_node_count=1))
            ),
        ).result()
        expect(result.properties.properties.scale_settings.min_node_count == 1, result.properties.properties.scale_settings)

    def nodes():
        listed = list(run.computes.list_nodes(GROUP, WORKSPACE, "sdk-cpu"))
        expect(len(listed) == 1, f"{len(listed)} nodes with minNodeCount 1")

    def fixed_setting():
        run.refused(
            "PropertyChangeNotAllowed",
            lambda: run.put("sdk-cpu", models.AmlCompute(properties=models.AmlComputeProperties(vm_size="STANDARD_NC6", scale_settings=models.ScaleSettings(max_node_count=3)))),
        )

    def refusals():
        run.refused(
            "InvalidVmSize",
            lambda: run.put("sdk-bad", models.AmlCompute(properties=models.AmlComputeProperties(vm_size="Standard_Nope", scale_settings=models.ScaleSettings(max_node_count=1)))),
        )
        run.refused("OperationNotSupported", lambda: run.computes.begin_start(GROUP, WORKSPACE, "sdk-cpu").result())

    def delete():
        run.delete("sdk-cpu", "Delete")
        try:
            run.get("sdk-cpu")
        except ResourceNotFoundError:
            return
        raise AssertionError("the cluster is still there")

    run.step("cluster: create, NotSpecified remote login resolved", create)
    run.step("cluster: get", read)
    run.step("cluster: partial PUT keeps what it leaves out", partial_update)
    run.step("cluster: PATCH scale settings", patch)
    run.step("cluster: list nodes", nodes)
    run.step("cluster: a fixed setting is refused", fixed_setting)
    run.step("cluster: an unknown size and a start are refused", refusals)
    run.step("cluster: delete", delete)


def instance_life(run):
    def state():
        return run.get("sdk-nb-ada").properties.properties.state

    def create():
        made = run.put("sdk-nb-ada", models.ComputeInstance(properties=models.ComputeInstanceProperties(vm_size="STANDARD_DS3_V2")))
        expect(made.properties.provisioning_state == "Succeeded", made.properties.provisioning_state)
        expect(state() == "Running", state())

    def settled():
        # The description declares no header on the 202 of start, stop and restart, so an
        # SDK poller may return at once; the instance state is the signal to wait on.
        for _ in range(400):
            now = state()
            if now not in ("Starting", "Stopping", "Restarting"):
                return now
            time.sleep(0.025)
        return state()

    def stop_start_restart():
        run.computes.begin_stop(GROUP, WORKSPACE, "sdk-nb-ada").result()
        expect(settled() == "Stopped", state())
        run.refused("InvalidComputeState", lambda: run.computes.begin_stop(GROUP, WORKSPACE, "sdk-nb-ada").result())
        run.computes.begin_start(GROUP, WORKSPACE, "sdk-nb-ada").result()
        expect(settled() == "Running", state())
        run.computes.begin_restart(GROUP, WORKSPACE, "sdk-nb-ada").result()
        expect(settled() == "Running", state())

    def names():
        run.refused(
            "InvalidResourceName",
            lambda: run.put("nb-01", models.ComputeInstance(properties=models.ComputeInstanceProperties(vm_size="STANDARD_DS3_V2"))),
        )

    def delete():
        run.delete("sdk-nb-ada", "Delete")

    run.step("instance: create, Running", create)
    run.step("instance: stop, start, restart", stop_start_restart)
    run.step("instance: its name rule", names)
    run.step("instance: delete", delete)


def attached_life(run):
    vm = resource_id("Microsoft.Compute/virtualMachines", "sdk-vm")
    kinds = [
        (
            "sdk-vm",
            models.VirtualMachine(
                resource_id=vm,
                properties=models.VirtualMachineSchemaProperties(
                    ssh_port=22,
                    administrator_account=models.VirtualMachineSshCredentials(username="azureuser", password="canary-vm-password"),
                ),
            ),
        ),
        (
            "sdk-hdi",
            models.HDInsight(
                resource_id=resource_id("Microsoft.HDInsight/clusters", "sdk-hdi"),
                properties=models.HDInsightProperties(
                    ssh_port=22,
                    administrator_account=models.VirtualMachineSshCredentials(username="sshuser", password="canary-hdi-password"),
                ),
            ),
        ),
        (
            "sdk-dbx",
            models.Databricks(
                resource_id=resource_id("Microsoft.Databricks/workspaces", "sdk-dbx"),
                properties=models.DatabricksProperties(databricks_access_token="canary-dbx-token"),
            ),
        ),
        (
            "sdk-adla",
            models.DataLakeAnalytics(
                resource_id=resource_id("Microsoft.DataLakeAnalytics/accounts", "sdkadla"),
                properties=models.DataLakeAnalyticsSchemaProperties(data_lake_store_account_name="sdkstore"),
            ),
        ),
        ("sdk-adf", models.DataFactory(resource_id=resource_id("Microsoft.DataFactory/factories", "sdk-adf"))),
        ("sdk-syn", models.SynapseSpark(resource_id=resource_id("Microsoft.Synapse/workspaces", "sdk-syn") + "/bigDataPools/pool1")),
        (
            "sdk-k8s",
            models.Kubernetes(
                resource_id=resource_id("Microsoft.Kubernetes/connectedClusters", "sdk-arc"),
                properties=models.KubernetesProperties(namespace="ml"),
            ),
        ),
        (
            "sdk-aks",
            models.AKS(
                resource_id=resource_id("Microsoft.ContainerService/managedClusters", "sdk-aks"),
                properties=models.AKSSchemaProperties(
                    cluster_purpose="DevTest",
                    ssl_configuration=models.SslConfiguration(status="Auto", leaf_domain_label="sdkml"),
                ),
            ),
        ),
    ]
    for name, properties in kinds:

        def attach(name=name, properties=properties):
            made = run.put(name, properties)
            expect(made.properties.provisioning_state == "Succeeded", made.properties.provisioning_state)
            expect(made.properties.is_attached_compute, "attached")
            expect(made.properties.resource_id.lower() == properties.resource_id.lower(), made.properties.resource_id)

        run.step(f"attach {type(properties).__name__}", attach)

    def secrets():
        keys = run.computes.list_keys(GROUP, WORKSPACE, "sdk-vm")
        expect(keys.administrator_account.password == "canary-vm-password", "listKeys returns the secret")
        shown = run.get("sdk-vm").properties.properties.administrator_account
        expect(shown is None or shown.password is None, "GET never returns the password")

    def listed():
        names = sorted(compute.name for compute in run.computes.list(GROUP, WORKSPACE))
        expect(names == sorted(name for name, _ in kinds), names)

    def reattach_refused():
        changed = models.VirtualMachine(
            resource_id=vm,
            properties=models.VirtualMachineSchemaProperties(
                ssh_port=2222,
                administrator_account=models.VirtualMachineSshCredentials(username="azureuser", password="canary-vm-password"),
            ),
        )
        run.refused("DetachRequired", lambda: run.put("sdk-vm", changed))

    def detach():
        for name, _ in kinds:
            run.delete(name, "Detach")
        expect(list(run.computes.list(GROUP, WORKSPACE)) == [], "every attachment is gone")

    def managed_detach_refused():
        run.put(
            "sdk-gpu",
            models.AmlCompute(properties=models.AmlComputeProperties(vm_size="STANDARD_NC6", vm_priority="LowPriority", scale_settings=models.ScaleSettings(max_node_count=1))),
        )
        run.refused("OperationNotSupported", lambda: run.delete("sdk-gpu", "Detach"))
        run.delete("sdk-gpu", "Delete")

    run.step("attached: listKeys has the secret, GET does not", secrets)
    run.step("attached: list pages every compute", listed)
    run.step("attached: a changed setting needs a detach", reattach_refused)
    run.step("attached: detach each", detach)
    run.step("managed: a detach is refused", managed_detach_refused)


def region_reads(run):
    def usages():
        rows = list(run.client.usages.list(LOCATION))
        kinds = {row.type for row in rows}
        for kind in ("totalCores", "dedicatedCores", "lowPriorityCores", "vmFamily"):
            expect(f"Microsoft.MachineLearningServices/{kind}/usages" in kinds, f"no {kind} row: {kinds}")

    def sizes():
        listed = run.client.virtual_machine_sizes.list(LOCATION).value
        expect(any(size.name.upper() == "STANDARD_D2_V2" for size in listed), "STANDARD_D2_V2 offered")

    def quotas():
        listed = list(run.client.quotas.list(LOCATION))
        expect(listed, "quotas listed")

    run.step("region: usages have every row type", usages)
    run.step("region: VM sizes", sizes)
    run.step("region: quotas", quotas)


def main():
    endpoint, ca_file = sys.argv[1], sys.argv[2]
    client = MachineLearningServicesMgmtClient(
        FixedToken(),
        SUBSCRIPTION,
        base_url=endpoint,
        api_version="2024-10-01",
        connection_verify=ca_file,
        polling_interval=0.05,
        retry_total=2,
    )
    run = Run(client)
    cluster_life(run)
    instance_life(run)
    attached_life(run)
    region_reads(run)
    print(f"conformance: {run.passed} passed, {len(run.failed)} failed", flush=True)
    sys.exit(1 if run.failed else 0)


if __name__ == "__main__":
    main()
