# A Generic OnOff Server (a light) as written for a Pycom board
# (MicroPython, Pycom firmware 1.20 BLE_Mesh API). Runs unmodified on the
# host under `python3 -m blemesh.run server.py`.
from network import Bluetooth
import pycom

BLE_Mesh = Bluetooth.BLE_Mesh

pycom.heartbeat(False)
pycom.rgbled(0x000000)

def prov_callback(oob_type, oob_pass):
    # The provisioner asks for the number the device shows.
    print("OOB type", oob_type, "pass", oob_pass)

def light_callback(model, event, recv_op):
    state = model.value()
    print("light: event", event, "opcode", hex(recv_op), "state", state)
    if state:
        pycom.rgbled(0xffffff)
    else:
        pycom.rgbled(0x000000)

element = BLE_Mesh.create_element(primary=True, feature=BLE_Mesh.RELAY)
model_server = element.add_model(BLE_Mesh.GENERIC, BLE_Mesh.ONOFF, BLE_Mesh.SERVER, callback=light_callback)

BLE_Mesh.init("Pycom Light", auth=BLE_Mesh.OOB_OUTPUT)
BLE_Mesh.set_node_prov(BLE_Mesh.PROV_ADV, callback=prov_callback)
print("light ready")
