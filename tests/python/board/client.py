# A Generic OnOff Client (a switch) as written for a Pycom board
# (MicroPython, Pycom firmware 1.20 BLE_Mesh API). Runs unmodified on the
# host under `python3 -m blemesh.run client.py`.
from network import Bluetooth
import pycom

BLE_Mesh = Bluetooth.BLE_Mesh

pycom.heartbeat(False)

def switch_callback(model, event, recv_op):
    print("switch: event", event, "opcode", hex(recv_op), "value", model.value())
    if model.value():
        pycom.rgbled(0x00ff00)
    else:
        pycom.rgbled(0xff0000)

BLE_Mesh.init("Pycom Switch")

element = BLE_Mesh.create_element(primary=True, ttl=5)
model_client = element.add_model(BLE_Mesh.GENERIC, BLE_Mesh.ONOFF, BLE_Mesh.CLIENT, callback=switch_callback)

BLE_Mesh.set_node_prov(BLE_Mesh.PROV_ADV)

def toggle():
    # On the board a button's interrupt handler calls this.
    model_client.set_state(0 if model_client.value() else 1)

print("switch ready")
