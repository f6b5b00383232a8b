//! Prints the pressure sensitivity of sensors to a unit leak at every junction, as CSV.
//! `cargo run -p leak-data --example sensitivity -- L-TOWN.inp n1,n4,… [multiplier] [level]`
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let inp = leak_data::InpNetwork::read(std::path::Path::new(&args[1])).expect("inp");
    let net = leak_data::Network::from_inp(&inp);
    let sensors: Vec<usize> = args[2]
        .split(',')
        .map(|s| net.node(s).expect("sensor"))
        .collect();
    let multiplier: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0.7);
    let level: f64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let settings: Vec<(String, f64)> = inp
        .valves
        .iter()
        .map(|v| (v.id.clone(), v.setting))
        .collect();
    let solver = leak_data::hydraulics::Solver::new(&net, &settings);
    let mut scenario = leak_data::hydraulics::Scenario::base(&net, multiplier);
    for (i, n) in net.nodes.iter().enumerate() {
        if n.kind == leak_data::network::NodeKind::Tank {
            scenario.tank_level.push((i, level));
        }
    }
    let s = solver
        .pressure_sensitivity(&scenario, &sensors)
        .expect("solve");
    println!("node,area,{}", args[2]);
    for (i, n) in net.nodes.iter().enumerate() {
        let row: Vec<String> = s.iter().map(|r| format!("{:.6}", r[i])).collect();
        println!(
            "{},{},{}",
            n.id,
            net.areas[net.node_area[i]].name,
            row.join(",")
        );
    }
}
