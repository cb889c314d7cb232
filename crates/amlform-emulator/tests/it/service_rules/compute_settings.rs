//! The service's rules for settings of the API description beyond the seeds: AKS TLS, request
//! limits, node settings, schedules.

use super::*;

/// AKS TLS (`SslConfiguration`): a status the certificate or label does not back is refused,
/// and one that is backed is kept.
#[tokio::test]
async fn aks_tls_needs_what_its_status_says() {
    let (_emulator, client) = emulator();
    let aks = |ssl: serde_json::Value| json!({"location": "eastus", "properties": {"computeType": "AKS", "properties": {"agentCount": 3, "sslConfiguration": ssl}}});
    for (ssl, name) in [
        (
            json!({"status": "Enabled", "cname": "ml.contoso.com", "cert": "CERT"}),
            "nokey",
        ),
        (json!({"status": "Auto"}), "nolabel"),
        (json!({"status": "Sometimes"}), "badstatus"),
    ] {
        let reply = client.put(&compute_path("mlws", name), &aks(ssl)).await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::BAD_REQUEST, "InvalidSslConfiguration"),
            "{name}: {}",
            reply.body
        );
    }
    let path = compute_path("mlws", "tls");
    client
        .create(
            &path,
            &aks(json!({"status": "Enabled", "cname": "ml.contoso.com", "cert": "CERT", "key": "canary-key"})),
        )
        .await;
    let got = client.get(&path).await.body;
    let ssl = &got["properties"]["properties"]["sslConfiguration"];
    assert_eq!(ssl["status"], "Enabled");
    assert!(
        !got.to_string().contains("canary-key"),
        "the key is never returned"
    );
}

/// What ARM refuses before it looks at a compute: a body that is not JSON or names a key
/// twice, megabyte tags and locations, a cluster past the node limit, a body past 4 MiB; and
/// every refusal, the HTTP layer's included, in ARM's error body.
#[tokio::test]
async fn requests_are_refused_as_arm_refuses_them() {
    let (_emulator, client) = emulator();
    let path = versioned(&compute_path("mlws", "cpu"));
    let body = serde_json::to_vec(&aml_compute("STANDARD_D2_V2", 0, 2)).unwrap();
    let refused = |reply: &Reply| (reply.status, reply.code().to_owned());

    let reply = client
        .bytes(Method::PUT, &path, Some("text/plain"), body.clone())
        .await;
    assert_eq!(
        refused(&reply),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType".to_owned()
        )
    );
    let reply = client
        .bytes(
            Method::PUT,
            &path,
            Some("application/json; charset=utf-8"),
            br#"{"location": "eastus", "location": "westus", "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": 1}}}}"#.to_vec(),
        )
        .await;
    assert_eq!(
        refused(&reply),
        (StatusCode::BAD_REQUEST, "InvalidRequestContent".to_owned()),
        "{}",
        reply.body
    );
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("twice")
    );

    let mut tagged = aml_compute("STANDARD_D2_V2", 0, 2);
    tagged["tags"] = json!({"team": "x".repeat(1 << 20)});
    let reply = client.put(&compute_path("mlws", "cpu"), &tagged).await;
    assert_eq!(
        refused(&reply),
        (StatusCode::BAD_REQUEST, "InvalidTag".to_owned())
    );
    assert!(
        reply.body.to_string().len() < 1000,
        "the value is not echoed back"
    );

    let mut placed = aml_compute("STANDARD_D2_V2", 0, 2);
    placed["location"] = json!("x".repeat(1 << 20));
    let reply = client.put(&compute_path("mlws", "cpu"), &placed).await;
    assert_eq!(
        refused(&reply),
        (
            StatusCode::BAD_REQUEST,
            "LocationNotAvailableForResourceType".to_owned()
        )
    );
    assert!(reply.body.to_string().len() < 1000);

    let reply = client
        .put(
            &compute_path("mlws", "cpu"),
            &aml_compute("STANDARD_D2_V2", 0, 70_000),
        )
        .await;
    assert_eq!(
        refused(&reply),
        (StatusCode::BAD_REQUEST, "InvalidScaleSettings".to_owned())
    );

    let huge = vec![b' '; 5 * 1024 * 1024];
    let reply = client
        .bytes(Method::PUT, &path, Some("application/json"), huge)
        .await;
    assert_eq!(
        refused(&reply),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge".to_owned()
        )
    );

    // The emulator's own endpoints and the HTTP layer answer in the same shape.
    let reply = client
        .bytes(
            Method::POST,
            "/_emulator/drift",
            Some("application/json"),
            b"{not json".to_vec(),
        )
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.status);
    assert!(reply.body["error"]["code"].is_string(), "{}", reply.body);
    let reply = client
        .raw(
            Method::GET,
            &format!(
                "{}?api-version=2024-10-01&$skip=oops",
                workspace_path("mlws") + "/computes"
            ),
            None,
        )
        .await;
    assert!(reply.body["error"]["code"].is_string(), "{}", reply.body);
}

/// `nextLink` keeps the api-version the caller used.
#[tokio::test]
async fn next_link_keeps_the_callers_api_version() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .page_size(1)
        .build()
        .unwrap();
    let client = Client::new(&emulator);
    for name in ["one", "two"] {
        client
            .create(
                &compute_path("mlws", name),
                &aml_compute("STANDARD_D2_V2", 0, 1),
            )
            .await;
    }
    let page = client
        .raw(
            Method::GET,
            &format!("{}/computes?api-version=2023-04-01", workspace_path("mlws")),
            None,
        )
        .await;
    let next = page.body["nextLink"].as_str().unwrap();
    assert!(next.contains("api-version=2023-04-01"), "{next}");
}

/// A list page resumes after the last compute of the one before it: a compute deleted
/// meanwhile (as a concurrent `destroy` does) shifts nothing, so no other compute is skipped
/// (a count of computes to skip would pass over `b` here, and a refresh would see it gone).
#[tokio::test]
async fn a_list_resumes_after_the_last_compute_it_showed() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .page_size(1)
        .build()
        .unwrap();
    let client = Client::new(&emulator);
    for name in ["a", "b", "c"] {
        client
            .create(
                &compute_path("mlws", &format!("{name}-cluster")),
                &aml_compute("STANDARD_D2_V2", 0, 1),
            )
            .await;
    }
    let mut page = client
        .get(&format!("{}/computes", workspace_path("mlws")))
        .await
        .body;
    let mut names = Vec::new();
    loop {
        names.extend(
            (page["value"].as_array().unwrap().iter())
                .map(|item| item["name"].as_str().unwrap().to_owned()),
        );
        if names.len() == 1 {
            let reply = client
                .delete(&compute_path("mlws", "a-cluster"), "Delete")
                .await;
            client.wait(&reply).await;
        }
        let Some(next) = page["nextLink"].as_str() else {
            break;
        };
        let path = next
            .strip_prefix("http://emulator.test")
            .unwrap()
            .to_owned();
        page = client.raw(Method::GET, &path, None).await.body;
    }
    assert_eq!(names, ["a-cluster", "b-cluster", "c-cluster"]);
}

/// A cluster's and a compute instance's settings as the API describes them: a custom image is
/// Windows only, idle shutdown is 15 minutes to 3 days, an assigned user has both ids, a setup
/// script names its source, and nodes without a public IP need a subnet; each is kept as sent.
#[tokio::test]
async fn cluster_and_instance_settings_follow_the_api() {
    let (_emulator, client) = emulator();
    let image = "/subscriptions/s/resourceGroups/img/providers/Microsoft.Compute/images/win";
    let cluster = |properties: serde_json::Value| json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": properties}});
    let instance = |properties: serde_json::Value| {
        let mut properties = properties;
        properties["vmSize"] = json!("STANDARD_DS3_V2");
        json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": properties}})
    };
    for (name, body, code) in [
        (
            "linuximage",
            cluster(
                json!({"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": 1}, "virtualMachineImage": {"id": image}}),
            ),
            "InvalidVirtualMachineImage",
        ),
        (
            "badsystem",
            cluster(
                json!({"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": 1}, "osType": "Plan9"}),
            ),
            "InvalidRequestContent",
        ),
        (
            "noip",
            cluster(
                json!({"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": 1}, "enableNodePublicIp": false}),
            ),
            "InvalidNetworkSettings",
        ),
        (
            "nb-idle",
            instance(json!({"idleTimeBeforeShutdown": "PT5M"})),
            "InvalidIdleShutdown",
        ),
        (
            "nb-idle-long",
            instance(json!({"idleTimeBeforeShutdown": "P4D"})),
            "InvalidIdleShutdown",
        ),
        (
            "nb-user",
            instance(
                json!({"personalComputeInstanceSettings": {"assignedUser": {"objectId": "o"}}}),
            ),
            "InvalidAssignedUser",
        ),
        (
            "nb-script",
            instance(
                json!({"setupScripts": {"scripts": {"startupScript": {"scriptSource": "ftp", "scriptData": "s.sh"}}}}),
            ),
            "InvalidSetupScripts",
        ),
        (
            "nb-share",
            instance(json!({"applicationSharingPolicy": "Everyone"})),
            "InvalidRequestContent",
        ),
    ] {
        let reply = client.put(&compute_path("mlws", name), &body).await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::BAD_REQUEST, code),
            "{name}: {}",
            reply.body
        );
    }
    let path = compute_path("mlws", "win-cpu");
    let made = client
        .create(&path, &cluster(json!({"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": 1}, "osType": "Windows", "virtualMachineImage": {"id": image}, "isolatedNetwork": true})))
        .await;
    let properties = &made["properties"]["properties"];
    assert_eq!(properties["virtualMachineImage"]["id"], image);
    assert_eq!(properties["isolatedNetwork"], true);
    let path = compute_path("mlws", "nb-ada");
    let made = client
        .create(&path, &instance(json!({"idleTimeBeforeShutdown": "PT30M", "personalComputeInstanceSettings": {"assignedUser": {"objectId": "o", "tenantId": "t"}}, "setupScripts": {"scripts": {"creationScript": {"scriptSource": "workspaceStorage", "scriptData": "setup.sh"}}}})))
        .await;
    let properties = &made["properties"]["properties"];
    assert_eq!(properties["idleTimeBeforeShutdown"], "PT30M");
    assert_eq!(
        properties["personalComputeInstanceSettings"]["assignedUser"]["tenantId"],
        "t"
    );
    assert_eq!(
        properties["setupScripts"]["scripts"]["creationScript"]["scriptData"],
        "setup.sh"
    );
    // Fixed once created: a change is refused, naming the setting.
    let reply = client
        .put(&path, &instance(json!({"idleTimeBeforeShutdown": "PT45M"})))
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::CONFLICT, "PropertyChangeNotAllowed"),
        "{}",
        reply.body
    );
}

/// `schedules.computeStartStop`: each a Start or Stop on a cron expression or a recurrence,
/// refused otherwise; the one setting of a compute instance that changes in place.
#[tokio::test]
async fn instance_schedules_are_checked_and_change_in_place() {
    let (_emulator, client) = emulator();
    let instance = |schedules: serde_json::Value| json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "STANDARD_DS3_V2", "schedules": {"computeStartStop": schedules}}}});
    for (name, schedule) in [
        (
            "nb-action",
            json!({"action": "Pause", "triggerType": "Cron", "cron": {"expression": "0 18 * * *"}}),
        ),
        (
            "nb-cron",
            json!({"action": "Stop", "triggerType": "Cron", "cron": {"expression": "daily"}}),
        ),
        (
            "nb-trigger",
            json!({"action": "Stop", "triggerType": "Sometimes"}),
        ),
        (
            "nb-hours",
            json!({"action": "Start", "triggerType": "Recurrence", "recurrence": {"frequency": "Day", "interval": 1, "schedule": {"hours": [25], "minutes": [0]}}}),
        ),
    ] {
        let reply = client
            .put(&compute_path("mlws", name), &instance(json!([schedule])))
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::BAD_REQUEST, "InvalidSchedule"),
            "{name}: {}",
            reply.body
        );
    }
    let path = compute_path("mlws", "nb-ada");
    let stop_at = |expression: &str| {
        instance(
            json!([{"action": "Stop", "status": "Enabled", "triggerType": "Cron", "cron": {"expression": expression, "timeZone": "UTC"}}]),
        )
    };
    client.create(&path, &stop_at("0 19 * * *")).await;
    let reply = client.put(&path, &stop_at("0 18 * * *")).await;
    assert_eq!(reply.status, StatusCode::OK, "in place: {}", reply.body);
    client.wait(&reply).await;
    let got = client.get(&path).await.body;
    assert_eq!(
        got["properties"]["properties"]["schedules"]["computeStartStop"][0]["cron"]["expression"],
        "0 18 * * *"
    );
}
